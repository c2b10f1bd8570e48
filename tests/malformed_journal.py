"""A journal of hostile and malformed values: everything the schema lets through, at its edges.

Each event is one a journal can hold: written by warroom from hostile outside text (markup,
escape sequences, bidi, 20 kB names), by a probe reading nonsense (NaN, inf, negative
counts, a lock cycle, a chain 2,000 deep), by an older or hand-edited journal (naive times,
times out of order, numbers as strings, missing optional fields), or by a damaged one that
still parses. Resuming, replaying and exporting it must complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from state.codec import RAW
from state.events import (
    ActionFinished,
    ActionRequested,
    CacheSampled,
    DatabaseSampled,
    DbSession,
    DeploymentsSampled,
    DeploymentStatus,
    DrillScored,
    Escalated,
    EventBase,
    HealthResult,
    HealthSampled,
    IncidentAcknowledged,
    IncidentDeclared,
    IncidentResolved,
    MetricHistoryLoaded,
    MetricSampled,
    Milestone,
    NoteAdded,
    PodStatus,
    ProbeFailed,
    ProbeRecovered,
    RoleAssigned,
    SessionResumed,
    SessionStarted,
    SeverityChanged,
    StatusChanged,
    UpdatePosted,
    UpdateQueued,
    VerificationChecked,
    VerificationFinished,
)
from state.journal import Journal
from state.severity import IncidentStatus, Role, Severity

START = datetime(2026, 3, 14, 9, 26, 0, tzinfo=UTC)
SCENARIO = "bad-deploy"
SECRET_LOOKING = "https://hooks.slack.com/services/T000/B000/notasecret"

# what outside text can be: markup that would act, escapes that would reach the terminal,
# text that hides or reorders itself, text too long or too wide for any column
TEXTS: tuple[str, ...] = (
    "[link=file:///etc/passwd]x[/link]",
    "[@click=app.quit]q[/]",
    "[@click=app.acknowledge]ack[/]",
    "[bold red]loud[/] [/] [ [[",
    "\x1b[2J\x1b[H",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]0;pwned\x07title",
    "\x9b31m8-bit CSI",
    "\u202eevil\u202c \u2066isolate\u2069",
    "zero\u200bwidth\ufeff\u2060",
    "\x00\x07\x08\x7f",
    "line\nbreak\r\nand\ttab",
    "表格服务🔥🧯" * 30,
    "x" * 20_000,
    "",
    " ",
    "%s %d {0} {service}",
    SECRET_LOOKING,
)
NAMES = (*(t for t in TEXTS if t.strip()), "\x1b[31m\x1b[0m")  # one made only of escapes
NUMBERS = (float("nan"), float("inf"), float("-inf"), -5.0, 0.0, 1e308, -1e308, 5e-324, None)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def events(mode: str) -> Iterator[EventBase | dict[str, Any]]:
    """The session's events in order; a dict is a raw body (kind and JSON) the models coerce."""
    yield SessionStarted(
        at=at(0),
        mode=mode,  # type: ignore[arg-type]
        version="[@click=app.quit]0.0\x1b[2J",
        operator=TEXTS[0],
        scenario=None if mode == "live" else SCENARIO,
        seed=2**80,
        speed=float("nan"),
        services=(*NAMES, "analysis-service", "analysis-service"),
    )
    yield from samples(2)
    yield IncidentDeclared(
        at=at(10),
        incident_id=TEXTS[1],
        severity=Severity.P1,
        title=TEXTS[13],
        reason=TEXTS[4],
        by=TEXTS[5],
    )
    yield IncidentAcknowledged(at=at(5), by=TEXTS[8])  # before the declaration
    yield SeverityChanged(at=at(11), severity=Severity.P4, previous=Severity.P1, by=TEXTS[9])
    yield StatusChanged(at=at(11), status=IncidentStatus.IDENTIFIED, by=TEXTS[2])
    for i, role in enumerate(Role):
        yield RoleAssigned(at=at(12), role=role, person=NAMES[i % len(NAMES)], by=TEXTS[3])
    yield RoleAssigned(at=at(12), role=Role.SME, person=TEXTS[13], by="x")
    for text in TEXTS:
        yield NoteAdded(at=at(13), text=text, by=text or "?")
    for source in ("kubernetes", "health", "error_rate", "latency", "postgres", "redis"):
        yield ProbeFailed(at=at(14), source=source, reason=TEXTS[0] + TEXTS[1] + TEXTS[5])  # type: ignore[arg-type]
    yield from samples(20)
    yield ProbeRecovered(at=at(21), source="postgres")
    yield from actions()
    yield VerificationChecked(at=at(40), ok=True, streak=-3, detail=TEXTS[6], by=TEXTS[7])
    yield VerificationChecked(at=at(41), ok=True, streak=10**9, detail=TEXTS[12], by="x")
    yield VerificationFinished(at=at(42), stable=False, detail=TEXTS[13])
    yield UpdateQueued(
        at=at(43),
        message_id=TEXTS[0],
        channel=TEXTS[1],
        status=IncidentStatus.MONITORING,
        text=TEXTS[13],
        by=TEXTS[2],
        purpose="escalation",
    )
    yield UpdatePosted(
        at=at(44),
        message_id=TEXTS[0],
        channel=TEXTS[1],
        status=IncidentStatus.MONITORING,
        text=TEXTS[4],
        delivered=True,
        detail=TEXTS[5],
        by=TEXTS[6],
    )
    yield UpdatePosted(
        at=at(45),
        message_id="never-queued",
        channel=TEXTS[11],
        status=IncidentStatus.INVESTIGATING,
        text=TEXTS[12],
        delivered=False,
        by="x",
    )
    for level in (5, 1, 3):
        yield Escalated(
            at=at(46), level=level, reason=TEXTS[level], by=TEXTS[0], contacts=NAMES, channels=NAMES
        )
    yield from samples(50)
    yield SessionResumed(at=at(49), operator=TEXTS[4], version=TEXTS[0])  # time runs back
    yield from samples(49)
    yield from raw_events(52)
    yield from samples(60)
    if mode == "drill":
        yield DrillScored(
            at=at(70),
            scenario=TEXTS[0],
            milestones=tuple(
                Milestone(
                    name=text or "?",
                    took=NUMBERS[i % len(NUMBERS)],
                    target=NUMBERS[(i + 3) % len(NUMBERS)],
                    verdict=("met", "missed", "not done", "n/a")[i % 4],  # type: ignore[arg-type]
                    detail=text,
                    points=-(10**12) if i % 2 else 10**12,
                    of=0,
                )
                for i, text in enumerate(TEXTS)
            ),
            harmful=TEXTS,
            points=-7,
            of=0,
            grade=TEXTS[1],
        )
    yield IncidentResolved(at=at(80), summary=TEXTS[13], by=TEXTS[0])
    yield IncidentDeclared(
        at=at(81),
        incident_id="INC-20260314-0001",
        severity=Severity.P3,
        title=TEXTS[0],
        reason="",
        by="x",
    )
    yield from samples(90)
    yield from far_future()


def far_future() -> Iterator[dict[str, Any]]:
    """The last word of a journal whose clock jumped past the end of the calendar."""
    body = {"at": "9999-12-31T23:59:59.999999Z", "text": TEXTS[0], "by": TEXTS[1]}
    yield {"kind": "note_added", "body": body}


def samples(seconds: float) -> Iterator[EventBase]:
    """One of each sample, every value at an edge."""
    when = at(seconds)
    pods = tuple(
        PodStatus(
            name=name, phase=name, reason=NAMES[-i], ready=bool(i % 2), restarts=-(10**18) * i
        )
        for i, name in enumerate(NAMES)
    )
    deployments = tuple(
        DeploymentStatus(
            name=name,
            namespace=TEXTS[0],
            desired=-3 if i % 2 else 10**30,
            ready=10**30 if i % 2 else -1,
            updated=-1,
            revision=-(2**63),
            paused=True,
            rollout=NAMES[i],
            pods=pods if i < 3 else (),
            warnings=NAMES,
        )
        for i, name in enumerate(NAMES)
    )
    yield DeploymentsSampled(at=when, deployments=deployments)
    yield HealthSampled(
        at=when,
        results=tuple(
            HealthResult(
                service=name,
                up=bool(i % 2),
                status_code=[None, -1, 0, 999_999, 200][i % 5],
                latency_ms=NUMBERS[i % len(NUMBERS)],
                error=NAMES[-i],
            )
            for i, name in enumerate(NAMES)
        ),
    )
    for metric in ("error_rate", "latency"):
        values = {name: NUMBERS[i % len(NUMBERS)] for i, name in enumerate(NAMES)}
        finite = {name: v for name, v in values.items() if v is not None}
        yield MetricSampled(
            at=when,
            metric=metric,  # type: ignore[arg-type]
            values=values,
            baseline=finite,
            request_rate=values if metric == "error_rate" else {},
        )
        yield MetricHistoryLoaded(
            at=when,
            metric=metric,  # type: ignore[arg-type]
            series={name: NUMBERS * 20 for name in NAMES[:4]},
            baseline={NAMES[0]: 0.0, NAMES[1]: float("nan"), NAMES[2]: -1.0},
        )
    yield DatabaseSampled(
        at=when,
        connections={"active": -5, "idle": 10**18, "waiting": -(10**18), TEXTS[0]: 3},
        max_connections=0 if seconds < 30 else -1,
        sessions=sessions(when),
    )
    yield CacheSampled(
        at=when, used_memory_mb=float("nan"), max_memory_mb=0.0 if seconds < 30 else -1.0
    )
    yield CacheSampled(at=when, used_memory_mb=float("inf"), max_memory_mb=float("-inf"))


def sessions(when: datetime) -> tuple[DbSession, ...]:
    """A lock cycle, a session blocking itself, a duplicate pid, and a chain 2,000 deep."""
    odd = dict(query_start=when + timedelta(days=3650), xact_start=datetime(1970, 1, 1, tzinfo=UTC))
    out = [
        DbSession(pid=1, blocked_by=(2,), user=TEXTS[0], query=TEXTS[13], **odd),  # type: ignore[arg-type]
        DbSession(pid=2, blocked_by=(1,), state=TEXTS[4], relation=TEXTS[1], **odd),  # type: ignore[arg-type]
        DbSession(pid=3, blocked_by=(3,), lock_mode=TEXTS[5], application=TEXTS[12]),
        DbSession(pid=3, blocked_by=(99999,), query=TEXTS[11]),
        DbSession(pid=-1, blocked_by=(-1, 0, 2**62), query="\x00"),
    ]
    out += [
        DbSession(pid=1000 + i, blocked_by=(999 + i,), query=TEXTS[i % len(TEXTS)])
        for i in range(1, 2000)
    ]
    out.append(DbSession(pid=999, blocked_by=(), query="root of the deep chain"))
    return tuple(out)


def actions() -> Iterator[EventBase]:
    """Actions with parameters the simulation cannot read, reported done."""
    odd = [
        ("scale", "tracktion/analysis-service", {"replicas": "lots"}),
        ("scale", "tracktion/analysis-service", {"replicas": float("inf")}),
        ("scale", "tracktion/analysis-service", {}),
        ("terminate_backend", TEXTS[0], {"pid": None}),
        ("cancel_backend", "pid x", {"pid": [1, 2]}),
        ("terminate_idle", "?", {"older_than": "soon"}),
        ("restart", TEXTS[13], {"nested": {"deep": [[[]]]}}),
        (TEXTS[1], TEXTS[4], {TEXTS[0]: TEXTS[5]}),
        ("rollout_undo", "tracktion/tracklist-service", {}),
    ]
    for i, (action, target, params) in enumerate(odd):
        action_id = TEXTS[i]
        yield ActionRequested(
            at=at(30 + i),
            action_id=action_id,
            action=action,
            target=target,
            params=params,
            before=TEXTS[12],
            by=TEXTS[0],
        )
        yield ActionFinished(
            at=at(30 + i),
            action_id=action_id,
            action=action,
            target=target,
            ok=True,
            result=TEXTS[(i + 4) % len(TEXTS)],
            after=TEXTS[13],
        )
    yield ActionFinished(at=at(39), action_id="no request", ok=False, result=TEXTS[1])


def raw_events(seconds: float) -> Iterator[dict[str, Any]]:
    """Bodies as another writer might have left them: the models take them, coerced."""
    naive = at(seconds).replace(tzinfo=None).isoformat()  # no zone: taken as UTC
    yield {
        "kind": "metric_sampled",
        "body": {
            "at": naive,
            "metric": "error_rate",
            "values": {"analysis-service": "NaN", "file-watcher": "1e999", "x": "7"},
            "baseline": {"analysis-service": "-Infinity"},
        },
    }
    yield {
        "kind": "deployments_sampled",
        "body": {
            "at": at(seconds).isoformat().replace("+00:00", "+14:00"),
            "deployments": [
                {"name": "analysis-service", "desired": "3", "ready": 2.0, "paused": "true"}
            ],
        },
    }
    yield {"kind": "note_added", "body": {"at": f"{naive}.123456", "text": TEXTS[0], "by": "x"}}
    yield {"kind": "health_sampled", "body": {"at": naive, "results": []}}
    yield {
        "kind": "database_sampled",
        "body": {"at": naive, "connections": {}, "max_connections": "0"},
    }


def write(path: Path, mode: str = "demo") -> Path:
    """The malformed journal of a `mode` session at `path`."""
    meta = {"mode": mode, "created": START.isoformat()}
    if mode != "live":
        meta["scenario"] = SCENARIO
    with Journal.create(path, meta) as journal:
        for event in events(mode):
            if isinstance(event, dict):
                body = json.dumps(event["body"]).encode()
                written = datetime.fromisoformat(event["body"]["at"])
                if written.tzinfo is None:
                    written = written.replace(tzinfo=UTC)
                journal.connection.execute(
                    "INSERT INTO events(at, kind, encoding, ref, body) VALUES (?, ?, ?, NULL, ?)",
                    (written.timestamp(), event["kind"], RAW, body),
                )
            else:
                journal.append(event)
    return path
