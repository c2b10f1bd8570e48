"""The guide's investigation (`investigate_incident.sh`, "Investigation Procedures"): its five
steps, its windows and limits, and how log lines are grouped into error patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from state.events import Finding, InvestigationShown


# (key, title): the guide's five steps, in its order
STEPS: tuple[tuple[str, str], ...] = (
    ("changes", "What changed"),
    ("state", "System state"),
    ("errors", "Error patterns"),
    ("dependencies", "External dependencies"),
    ("database", "Database performance"),
)
STEP_TITLES = dict(STEPS)

ROLLOUT_WINDOW_HOURS = 24  # "kubectl rollout history ... 24 hours ago"
EVENTS_WINDOW_HOURS = 6  # "kubectl get events ... 6 hours ago"
LOG_TAIL_LINES = 1000  # "kubectl logs --tail=1000"
TOP_ERROR_GROUPS = 10  # "sort | uniq -c | sort -nr | head -10"
ERROR_RATE_WINDOW_HOURS = 2  # the 5xx range query: "2 hours ago", step 300
ERROR_RATE_STEP_SECONDS = 300
SLOW_STATEMENT_MS = 1000.0  # pg_stat_statements: mean > 1 s
TLS_WARN_DAYS = 14  # a certificate that expires sooner is a finding
SECTION_TIMEOUT_SECONDS = 8.0  # each part of a section, on its own
SNAPSHOT_FINDINGS = 60  # at most this many findings journaled per section (worst first)
SNAPSHOT_TEXT = 240  # characters of one finding journaled

_ERROR = re.compile(r"\b(ERROR|FATAL)\b|Exception")
# the guide counts identical lines; warroom first replaces what varies between occurrences
_PLACEHOLDERS = (
    (re.compile(r"\"[^\"]*\"|'[^']*'"), "<str>"),
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<uuid>",
    ),
    (re.compile(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b", re.I), "<hex>"),
    (re.compile(r"\b\d+(\.\d+)?\b"), "<n>"),
)
_TIMESTAMP = re.compile(r"^\S*\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?\s*")


def is_error(line: str) -> bool:
    """The guide's filter: `grep -E "(ERROR|FATAL|Exception)"`."""
    return bool(_ERROR.search(line))


def pattern(line: str) -> str:
    """`line` without its leading timestamp, with quoted values, uuids, hex and numbers
    replaced by placeholders: the lines of one error, whatever their ids, share a pattern."""
    text = _TIMESTAMP.sub("", line.strip())
    for regex, placeholder in _PLACEHOLDERS:
        text = regex.sub(placeholder, text)
    return text


@dataclass(frozen=True)
class ErrorGroup:
    pattern: str
    count: int
    first: datetime | None
    last: datetime | None


def error_groups(
    lines: Iterable[tuple[datetime | None, str]], top: int = TOP_ERROR_GROUPS
) -> list[ErrorGroup]:
    """The `top` most frequent error patterns of `(time, line)` pairs, with their first and
    last time; lines that are not errors (see `is_error`) are left out. Ties: first seen first."""
    groups: dict[str, list] = {}
    for when, line in lines:
        if not is_error(line):
            continue
        key = pattern(line)
        group = groups.setdefault(key, [0, when, when])
        group[0] += 1
        if when is not None:
            group[1] = when if group[1] is None else min(group[1], when)
            group[2] = when if group[2] is None else max(group[2], when)
    ranked = sorted(groups.items(), key=lambda kv: -kv[1][0])  # stable: first seen first
    return [ErrorGroup(k, c, f, la) for k, (c, f, la) in ranked[:top]]


_TONE_RANK = {"bad": 0, "warn": 1}
_RATE = re.compile(r"(\d+(?:\.\d+)?) ?%")


def _worst_first(finding: Finding) -> tuple[int, int, float]:
    """Sort key: bad, warn, then the rest; among those, a rate (the first "N %") highest first."""
    rate = _RATE.search(finding.text)
    return (
        _TONE_RANK.get(finding.tone, 2),
        0 if rate else 1,
        -float(rate.group(1)) if rate else 0.0,
    )


def _names(service: str | None) -> re.Pattern[str] | None:
    return re.compile(rf"(?<![\w.-]){re.escape(service)}(?![\w-])") if service else None


def snapshot(
    findings: Sequence[Finding], service: str | None, limit: int = SNAPSHOT_FINDINGS
) -> tuple[list[Finding], int]:
    """At most `limit` of a section's `findings` (more only to keep every one that names
    `service`, the service being investigated), and how many were left out.

    When cut, each part keeps its place with its findings sorted worst first (see
    `_worst_first`), and the worst of the whole section are kept: bad, then warn, then the
    rest, each part's in turn. A part that lost findings ends with one more,
    "… N more not shown (of M)", so the screen and the journal both say so. In: findings in
    the order the parts answered; out: (findings to journal, number left out).
    """
    if len(findings) <= limit:
        return list(findings), 0  # nothing cut: the probe's own order
    parts: dict[str, list[Finding]] = {}
    for f in findings:
        parts.setdefault(f.part, []).append(f)
    for part in parts.values():
        # what a part read or found nothing first, then worst first; stable: equal
        # findings keep the probe's order
        part.sort(key=lambda f: (f.found, *_worst_first(f)))
    names = _names(service)
    flat = [(p, i, f) for p, part in enumerate(parts.values()) for i, f in enumerate(part)]
    # what names the service, and a part's "nothing found": a section never loses a part
    own = {(p, i) for p, i, f in flat if not f.found or (names and names.search(f.text))}
    rest = sorted(
        ((p, i, f) for p, i, f in flat if (p, i) not in own),
        key=lambda pif: (_worst_first(pif[2])[0], pif[1], pif[0]),
    )  # by tone, then a part's first, second... in turn: one long part never crowds out the rest
    kept = own | {(p, i) for p, i, _ in rest[: max(0, limit - len(own))]}
    out: list[Finding] = []
    for p, (name, part) in enumerate(parts.items()):
        out += [f for i, f in enumerate(part) if (p, i) in kept]
        if cut := sum(1 for i in range(len(part)) if (p, i) not in kept):
            of = sum(1 for f in part if f.found)
            from state.events import Finding  # pydantic: not before the first frame

            out.append(Finding(part=name, text=f"… {cut} more not shown (of {of})", found=False))
    return out, len(findings) - len(kept)


def findings_count(shown: InvestigationShown) -> str:
    """'12 findings', '1 finding', 'nothing found', or '60 of 300 findings shown' when the
    snapshot was cut. A line that says a part found nothing, sums up what was read or says
    how many more were left out (`Finding.found` False) is no finding: the screen, the
    timeline and the review count the same lines."""
    found = sum(1 for f in shown.findings if f.found)
    if shown.omitted:
        return f"{found} of {found + shown.omitted} findings shown"
    return "nothing found" if not found else f"{found} finding{'s' if found != 1 else ''}"
