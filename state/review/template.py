"""The guide's post-incident review template where it is left for people to fill in, verbatim,
and the footnotes that say how the review measures each response metric."""

from __future__ import annotations

ROOT_CAUSE = [
    "## Root Cause Analysis",
    "",
    "### Primary Root Cause",
    "[Detailed explanation of the root cause]",
    "",
    "### Contributing Factors",
    "1. [Factor 1]",
    "2. [Factor 2]",
    "3. [Factor 3]",
    "",
    "### Why This Wasn't Caught Earlier",
    "[Analysis of detection and prevention failures]",
    "",
]

GUIDE_TAIL = [
    "## Prevention Measures",
    "",
    "### Technical Improvements",
    "1. [Technical change 1]",
    "2. [Technical change 2]",
    "3. [Technical change 3]",
    "",
    "### Process Improvements",
    "1. [Process change 1]",
    "2. [Process change 2]",
    "3. [Process change 3]",
    "",
    "### Monitoring Improvements",
    "1. [Monitoring change 1]",
    "2. [Monitoring change 2]",
    "3. [Monitoring change 3]",
    "",
    "## Lessons Learned",
    "",
    "### For Engineering Team",
    "- [Lesson 1]",
    "- [Lesson 2]",
    "- [Lesson 3]",
    "",
    "### For Operations Team",
    "- [Lesson 1]",
    "- [Lesson 2]",
    "- [Lesson 3]",
    "",
    "### For Organization",
    "- [Lesson 1]",
    "- [Lesson 2]",
    "- [Lesson 3]",
    "",
    "## Follow-up Actions",
    "",
    "### 30-Day Review",
    "- [ ] Schedule follow-up review",
    "- [ ] Check action item progress",
    "- [ ] Assess effectiveness of changes",
    "",
    "### Quarterly Review",
    "- [ ] Include in quarterly incident analysis",
    "- [ ] Update disaster recovery procedures",
    "- [ ] Review and update monitoring",
    "",
]

FOOTNOTES = [
    "[^detect]: From the first signal to the declaration. The first signal is the moment, "
    "at or before the declaration, the guide's rules last started flagging something the "
    "console saw: a service down (/health failing or no replica ready), an error rate above "
    "5% or a p95 above 3x its baseline (the High Error Rate runbook and the severity "
    "criteria, with the console's hysteresis), or the database unreachable. Target: the "
    "guide's objective to identify and acknowledge incidents within 5 minutes.",
    "[^acknowledge]: From the declaration to the first acknowledgement, against the "
    "response time of the severity in effect when it came (P4: the next business day).",
    "[^update]: From the declaration to the first status update delivered to any channel "
    "(escalation pages do not count), against the communication timeline's 15-30 minutes "
    "for the first external update: met when within 30 minutes.",
    "[^mitigate]: From the declaration to the first action (not a dry run) that succeeded. "
    "The guide sets no target for it.",
    "[^resolve]: From the declaration to the resolution, against the resolution target of "
    "the severity in effect when it came. A target not reached when the journal ends is "
    "missed once its deadline has passed, else pending.",
]
