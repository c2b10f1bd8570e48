"""The guide's "Investigation Summary" (investigate_incident.sh), from what the console showed.

Each section of the Investigate screen journaled a snapshot when it was read; the summary
keeps, for each step, the latest snapshot of every service it was read for (a later read of
another service never hides an earlier one: what the commander saw stays in the record), and
the findings the commander pinned. Root cause and recommended actions are left for people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.events import InvestigationShown, NoteAdded
from state.guide.investigation import STEP_TITLES, findings_count
from state.review.format import iso, md

if TYPE_CHECKING:
    from state.review.metrics import Part

PINNED = "Finding ("  # the start of a pinned finding's note (tui/investigate.py)
_HEADINGS = (
    ("changes", "Timeline of changes"),
    ("state", "System state"),
    ("errors", "Top error groups"),
    ("dependencies", "Dependency results"),
    ("database", "Database performance"),
)


def _reads(shown: list[InvestigationShown]) -> dict[str, list[InvestigationShown]]:
    """Per step, the latest read of each service, services in the order first read."""
    latest: dict[str, dict[str | None, InvestigationShown]] = {}
    for e in shown:  # journal order: a later read of the same step and service replaces
        latest.setdefault(e.step, {})[e.service] = e
    return {step: list(by_service.values()) for step, by_service in latest.items()}


def _lines(reads: list[InvestigationShown], step: str) -> list[str]:
    if not reads:
        return [f"- not read from the console ({STEP_TITLES[step]} was never opened)"]
    out: list[str] = []
    for shown in reads:
        out += [*([""] if out else []), *_read(shown)]
    return out


def _read(shown: InvestigationShown) -> list[str]:
    on = f" of {md(shown.service, cell=False)}" if shown.service else ""
    out = [
        f"As read{on} at {iso(shown.at)} by {md(shown.by, cell=False)}: {findings_count(shown)}",
        "",
    ]
    out += [f"- {md(f.part, 60)}: {md(f.text, 300)}" for f in shown.findings]
    out += [f"- unavailable: {md(u, 300)}" for u in shown.unavailable]
    if not shown.findings and not shown.unavailable:
        out.append("- nothing found")
    return out


def investigation_summary(incident_id: str, part: Part) -> str | None:
    """The summary's Markdown, or None when nobody opened the Investigate screen."""
    shown = [e for e in part.people if isinstance(e, InvestigationShown)]
    if not shown:
        return None
    reads = _reads(shown)
    pinned = [e for e in part.people if isinstance(e, NoteAdded) and e.text.startswith(PINNED)]
    who = ", ".join(dict.fromkeys(md(e.by) for e in shown))
    lines = [
        f"# Investigation Summary: {md(incident_id, cell=False)}",
        "",
        f"**Investigation Time:** {iso(shown[0].at)} to {iso(shown[-1].at)}",
        f"**Investigator:** {who}",
        "",
        "## Key Findings",
        "",
    ]
    for step, heading in _HEADINGS:
        lines += [f"### {heading}", "", *_lines(reads.get(step, []), step), ""]
    lines += ["### Pinned findings", ""]
    lines += [f"- {iso(e.at)} {md(e.by)}: {md(e.text, 400)}" for e in pinned] or ["- none"]
    lines += [
        "",
        "### Root Cause Hypothesis",
        "[To be filled by investigator based on findings]",
        "",
        "### Recommended Actions",
        "1. [Action item 1]",
        "2. [Action item 2]",
        "3. [Action item 3]",
        "",
        "## Next Steps",
        "- [ ] Implement immediate fixes",
        "- [ ] Test resolution",
        "- [ ] Monitor for stability",
        "- [ ] Plan permanent fix",
        "",
        "**Full Investigation Log:** the session's journal (`warroom replay`)",
        "",
    ]
    return "\n".join(lines)
