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

from state import events as ev
from state.guide.severity import IncidentStatus, Role, Severity
from state.journal.codec import RAW
from state.journal.store import Journal
from tests.hostile import CORPUS

START = datetime(2026, 3, 14, 9, 26, 0, tzinfo=UTC)
SCENARIO = "bad-deploy"
SECRET_LOOKING = "https://hooks.slack.com/services/T000/B000/notasecret"

# what outside text can be (tests/hostile.py's corpus, every class of it), and a few more:
# markup that would acknowledge the page, empty and blank names, format strings, a URL
# that looks like a secret
LINK, CLICK = CORPUS["rich link"], CORPUS["textual click"]
ACK_CLICK = "[@click=app.acknowledge]ack[/]"
UNBALANCED, CLEAR, OSC52 = (
    CORPUS["unbalanced brackets"],
    CORPUS["clear screen"],
    CORPUS["osc 52 clipboard"],
)
TITLE, CSI8, BIDI = CORPUS["window title"], CORPUS["8-bit csi"], CORPUS["bidi override"]
ZERO_WIDTH, C0, MULTI_LINE = CORPUS["zero-width"], CORPUS["c0 controls"], CORPUS["multi-line"]
WIDE, LONG = CORPUS["wide cjk and emoji"] * 30, CORPUS["20 kB"]
TEXTS: tuple[str, ...] = (
    *CORPUS.values(),
    ACK_CLICK,
    WIDE,
    "",
    " ",
    "%s %d {0} {service}",
    SECRET_LOOKING,
)
NAMES = tuple(t for t in TEXTS if t.strip())  # the corpus has one made only of escapes
NUMBERS = (float("nan"), float("inf"), float("-inf"), -5.0, 0.0, 1e308, -1e308, 5e-324, None)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def events(mode: str) -> Iterator[ev.EventBase | dict[str, Any]]:
    """The session's events in order; a dict is a raw body (kind and JSON) the models coerce."""
    yield ev.SessionStarted(
        at=at(0),
        mode=mode,  # type: ignore[arg-type]
        version="[@click=app.quit]0.0\x1b[2J",
        operator=LINK,
        scenario=None if mode == "live" else SCENARIO,
        seed=2**80,
        speed=float("nan"),
        services=(*NAMES, "analysis-service", "analysis-service"),
    )
    yield from samples(2)
    yield ev.IncidentDeclared(
        at=at(10),
        incident_id=CLICK,
        severity=Severity.P1,
        title=LONG,
        reason=CLEAR,
        by=OSC52,
    )
    yield ev.IncidentAcknowledged(at=at(5), by=BIDI)  # before the declaration
    yield ev.SeverityChanged(at=at(11), severity=Severity.P4, previous=Severity.P1, by=ZERO_WIDTH)
    yield ev.StatusChanged(at=at(11), status=IncidentStatus.IDENTIFIED, by=ACK_CLICK)
    for i, role in enumerate(Role):
        yield ev.RoleAssigned(at=at(12), role=role, person=NAMES[i % len(NAMES)], by=UNBALANCED)
    yield ev.RoleAssigned(at=at(12), role=Role.SME, person=LONG, by="x")
    for text in TEXTS:
        yield ev.NoteAdded(at=at(13), text=text, by=text or "?")
    for source in ("kubernetes", "health", "error_rate", "latency", "postgres", "redis"):
        yield ev.ProbeFailed(at=at(14), source=source, reason=LINK + CLICK + OSC52)  # type: ignore[arg-type]
    yield from samples(20)
    yield ev.ProbeRecovered(at=at(21), source="postgres")
    yield from actions()
    yield ev.VerificationChecked(at=at(40), ok=True, streak=-3, detail=TITLE, by=CSI8)
    yield ev.VerificationChecked(at=at(41), ok=True, streak=10**9, detail=WIDE, by="x")
    yield ev.VerificationFinished(at=at(42), stable=False, detail=LONG)
    yield ev.MessageQueued(
        at=at(43),
        message_id=LINK,
        channel=CLICK,
        status=IncidentStatus.MONITORING,
        text=LONG,
        by=ACK_CLICK,
        purpose="escalation",
    )
    yield ev.MessageSent(
        at=at(44),
        message_id=LINK,
        channel=CLICK,
        status=IncidentStatus.MONITORING,
        text=CLEAR,
        outcome="delivered",
        detail=OSC52,
        by=TITLE,
    )
    yield ev.MessageSent(
        at=at(45),
        message_id="never-queued",
        channel=MULTI_LINE,
        status=IncidentStatus.INVESTIGATING,
        text=WIDE,
        outcome="failed",
        by="x",
    )
    for level in (5, 1, 3):
        yield ev.Escalated(
            at=at(46), level=level, reason=TEXTS[level], by=LINK, contacts=NAMES, channels=NAMES
        )
    yield from samples(50)
    yield ev.SessionResumed(at=at(49), operator=CLEAR, version=LINK)  # time runs back
    yield from samples(49)
    yield from raw_events(52)
    yield from samples(60)
    if mode == "drill":
        yield ev.DrillScored(
            at=at(70),
            scenario=LINK,
            milestones=tuple(
                ev.Milestone(
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
            grade=CLICK,
        )
    yield ev.IncidentResolved(at=at(80), summary=LONG, by=LINK)
    yield ev.IncidentDeclared(
        at=at(81),
        incident_id="INC-20260314-0001",
        severity=Severity.P3,
        title=LINK,
        reason="",
        by="x",
    )
    yield from samples(90)
    yield from far_future()


def far_future() -> Iterator[dict[str, Any]]:
    """The last word of a journal whose clock jumped past the end of the calendar."""
    body = {"at": "9999-12-31T23:59:59.999999Z", "text": LINK, "by": CLICK}
    yield {"kind": "note_added", "body": body}


def samples(seconds: float) -> Iterator[ev.EventBase]:
    """One of each sample, every value at an edge."""
    when = at(seconds)
    pods = tuple(
        ev.PodStatus(
            name=name, phase=name, reason=NAMES[-i], ready=bool(i % 2), restarts=-(10**18) * i
        )
        for i, name in enumerate(NAMES)
    )
    deployments = tuple(
        ev.DeploymentStatus(
            name=name,
            namespace=LINK,
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
    yield ev.DeploymentsSampled(at=when, deployments=deployments)
    yield ev.HealthSampled(
        at=when,
        results=tuple(
            ev.HealthResult(
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
        yield ev.MetricSampled(
            at=when,
            metric=metric,  # type: ignore[arg-type]
            values=values,
            baseline=finite,
            request_rate=values if metric == "error_rate" else {},
        )
        yield ev.MetricHistoryLoaded(
            at=when,
            metric=metric,  # type: ignore[arg-type]
            series={name: NUMBERS * 20 for name in NAMES[:4]},
            baseline={NAMES[0]: 0.0, NAMES[1]: float("nan"), NAMES[2]: -1.0},
        )
    yield ev.DatabaseSampled(
        at=when,
        connections={"active": -5, "idle": 10**18, "waiting": -(10**18), LINK: 3},
        max_connections=0 if seconds < 30 else -1,
        sessions=sessions(when),
    )
    yield ev.CacheSampled(
        at=when, used_memory_mb=float("nan"), max_memory_mb=0.0 if seconds < 30 else -1.0
    )
    yield ev.CacheSampled(at=when, used_memory_mb=float("inf"), max_memory_mb=float("-inf"))


def sessions(when: datetime) -> tuple[ev.DbSession, ...]:
    """A lock cycle, a session blocking itself, a duplicate pid, and a chain 2,000 deep."""
    odd = dict(query_start=when + timedelta(days=3650), xact_start=datetime(1970, 1, 1, tzinfo=UTC))
    out = [
        ev.DbSession(pid=1, blocked_by=(2,), user=LINK, query=LONG, **odd),  # type: ignore[arg-type]
        ev.DbSession(pid=2, blocked_by=(1,), state=CLEAR, relation=CLICK, **odd),  # type: ignore[arg-type]
        ev.DbSession(pid=3, blocked_by=(3,), lock_mode=OSC52, application=WIDE),
        ev.DbSession(pid=3, blocked_by=(99999,), query=MULTI_LINE),
        ev.DbSession(pid=-1, blocked_by=(-1, 0, 2**62), query="\x00"),
    ]
    out += [
        ev.DbSession(pid=1000 + i, blocked_by=(999 + i,), query=TEXTS[i % len(TEXTS)])
        for i in range(1, 2000)
    ]
    out.append(ev.DbSession(pid=999, blocked_by=(), query="root of the deep chain"))
    return tuple(out)


def actions() -> Iterator[ev.EventBase]:
    """Actions with parameters the simulation cannot read, reported done."""
    odd = [
        ("scale", "tracktion/analysis-service", {"replicas": "lots"}),
        ("scale", "tracktion/analysis-service", {"replicas": float("inf")}),
        ("scale", "tracktion/analysis-service", {}),
        ("terminate_backend", LINK, {"pid": None}),
        ("cancel_backend", "pid x", {"pid": [1, 2]}),
        ("terminate_idle", "?", {"older_than": "soon"}),
        ("restart", LONG, {"nested": {"deep": [[[]]]}}),
        (CLICK, CLEAR, {LINK: OSC52}),
        ("rollout_undo", "tracktion/tracklist-service", {}),
    ]
    for i, (action, target, params) in enumerate(odd):
        action_id = TEXTS[i]
        yield ev.ActionRequested(
            at=at(30 + i),
            action_id=action_id,
            action=action,
            target=target,
            params=params,
            before=WIDE,
            by=LINK,
        )
        yield ev.ActionFinished(
            at=at(30 + i),
            action_id=action_id,
            action=action,
            target=target,
            ok=True,
            result=TEXTS[(i + 4) % len(TEXTS)],
            after=LONG,
        )
    yield ev.ActionFinished(at=at(39), action_id="no request", ok=False, result=CLICK)


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
    yield {"kind": "note_added", "body": {"at": f"{naive}.123456", "text": LINK, "by": "x"}}
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
