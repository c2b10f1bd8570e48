"""Samples journaled by change (state/journal/rows.py): read back, they are the very events
that were appended, whatever the samples did between refreshes (rows changed, reordered,
removed, renamed, hostile text), read from the start or from any point, after a rollback."""

from __future__ import annotations

import itertools
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from state.events import (
    CacheSampled,
    DatabaseSampled,
    DbSession,
    DeploymentsSampled,
    DeploymentStatus,
    HealthResult,
    HealthSampled,
    MetricSampled,
    NoteAdded,
    PodStatus,
)
from state.journal import codec
from state.journal.codec import KEY, ROWS
from state.journal.store import Journal, JournalError
from tests.hostile import hostile_text

START = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
# a lone surrogate cannot be journaled at all (no JSON, whole or by change): the probes'
# text never holds one (it comes decoded from bytes)
HOSTILE = hostile_text().filter(lambda text: not any("\ud800" <= c <= "\udfff" for c in text))
NAMES = st.one_of(st.sampled_from(["api", "db", "web", "a/b", "a", "b/c", ""]), HOSTILE)
TEXT = st.one_of(st.none(), st.sampled_from(["CrashLoopBackOff", "timeout"]), HOSTILE)
NUMBER = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
INSTANT = st.one_of(
    st.none(), st.integers(0, 10**6).map(lambda s: START - timedelta(seconds=s, microseconds=7))
)

pods = st.lists(
    st.builds(
        PodStatus,
        name=NAMES,
        phase=st.sampled_from(["Running", "Pending", "Failed"]),
        reason=TEXT,
        ready=st.booleans(),
        restarts=st.integers(0, 3),
    ),
    max_size=3,
).map(tuple)
deployment = st.builds(
    DeploymentStatus,
    name=NAMES,
    namespace=st.sampled_from(["default", "prod", "a"]),
    desired=st.integers(0, 3),
    ready=st.integers(0, 3),
    rollout=TEXT,
    pods=pods,
    warnings=st.lists(HOSTILE, max_size=2).map(tuple),
)
health = st.builds(
    HealthResult,
    service=NAMES,
    up=st.booleans(),
    status_code=st.one_of(st.none(), st.sampled_from([200, 503])),
    latency_ms=st.one_of(st.none(), NUMBER),
    error=TEXT,
    unknown=st.booleans(),
)
session = st.builds(
    DbSession,
    pid=st.integers(-3, 6),
    user=TEXT,
    state=st.sampled_from([None, "active", "idle in transaction"]),
    query=HOSTILE,
    query_start=INSTANT,
    blocked_by=st.lists(st.integers(0, 6), max_size=2).map(tuple),
    backend_start=INSTANT,
    prepared=st.one_of(st.none(), HOSTILE),
)
VALUE = st.one_of(st.none(), NUMBER, st.sampled_from([float("inf"), float("-inf"), -0.0]))


@st.composite
def samples(draw) -> list:
    """A session's samples: each probe picks rows from a pool, any subset in any order, so
    rows stay, change (another row of the same key), go, come back, move, and are renamed."""
    pools = {
        "deployments": draw(st.lists(deployment, min_size=1, max_size=6)),
        "results": draw(st.lists(health, min_size=1, max_size=6)),
        "sessions": draw(st.lists(session, min_size=1, max_size=6)),
    }
    services = draw(st.lists(NAMES, min_size=1, max_size=6, unique=True))
    out: list = []
    at = START
    for _ in range(draw(st.integers(1, 14))):
        at += timedelta(seconds=2)
        kind = draw(st.sampled_from(["deployments", "results", "sessions", "metric", "other"]))
        if kind == "metric":
            names = draw(st.permutations(services))[: draw(st.integers(0, len(services)))]
            numbers = st.dictionaries(st.sampled_from(names), NUMBER) if names else st.just({})
            out.append(
                MetricSampled(
                    at=at,
                    metric=draw(st.sampled_from(["error_rate", "latency"])),
                    values={name: draw(VALUE) for name in names},
                    baseline=draw(numbers),
                    request_rate=draw(numbers),
                )
            )
            continue
        if kind == "other":
            out.append(draw(st.sampled_from([note(at), CacheSampled(at=at, used_memory_mb=1.0)])))
            continue
        pool = pools[kind]
        picked = draw(st.lists(st.sampled_from(pool), max_size=len(pool)))
        if kind == "deployments":
            out.append(DeploymentsSampled(at=at, deployments=tuple(picked)))
        elif kind == "results":
            out.append(HealthSampled(at=at, results=tuple(picked)))
        else:
            connections = {"active": draw(st.integers(0, 3)), "idle": 1}
            out.append(
                DatabaseSampled(
                    at=at, connections=connections, max_connections=100, sessions=tuple(picked)
                )
            )
    return out


def note(at: datetime) -> NoteAdded:
    return NoteAdded(at=at, text="checked the dashboards", by="alice")


def dumped(events) -> list[str]:
    """The events as JSON: NaN-safe, and sign-of-zero exact, where model equality is neither."""
    return [event.model_dump_json() for event in events]


def written(path, events, key_every: int = codec.ROWS_KEY_EVERY) -> None:
    journal = Journal.create(path)
    original = codec.ROWS_KEY_EVERY
    codec.ROWS_KEY_EVERY = key_every
    try:
        for event in events:
            journal.append(event)
    finally:
        codec.ROWS_KEY_EVERY = original
        journal.close()


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(events=samples(), key_every=st.sampled_from([2, 3, 64]))
def test_samples_read_back_as_they_were_appended(tmp_path_factory, events, key_every):
    path = tmp_path_factory.mktemp("rows") / "s.warroom"
    written(path, events, key_every)
    with Journal.open(path, read_only=True) as journal:
        read = list(journal.events())
        journal.verify()
    assert read == events or dumped(read) == dumped(events)
    assert dumped(read) == dumped(events)
    # from any point, in a journal opened afresh (no sample kept to build on) and in one
    # that read on before (its kept samples reused)
    with Journal.open(path, read_only=True) as again:
        for after in range(len(events) + 1):
            with Journal.open(path, read_only=True) as fresh:
                assert dumped(fresh.events(after)) == dumped(events[after:])
            assert dumped(again.events(after)) == dumped(events[after:])


def fleet(at: datetime, restarts: int, order=None) -> DeploymentsSampled:
    rows = [
        DeploymentStatus(
            name=f"svc-{i}",
            namespace="prod",
            desired=3,
            ready=3,
            pods=tuple(PodStatus(name=f"svc-{i}-{p}", phase="Running") for p in range(3)),
        )
        for i in range(300)
    ]
    rows[7] = rows[7].model_copy(
        update={"ready": 2, "pods": (PodStatus(name="x", phase="Failed", restarts=restarts),)}
    )
    return DeploymentsSampled(at=at, deployments=tuple(rows if order is None else order(rows)))


def stored(path) -> list[tuple[int, int]]:
    """(encoding, bytes) of each row as the file holds it."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT encoding, length(body) FROM events ORDER BY seq").fetchall()


def test_a_sample_of_300_deployments_with_one_changed_costs_that_row(tmp_path):
    path = tmp_path / "s.warroom"
    events = [fleet(START + timedelta(seconds=2 * i), restarts=i) for i in range(5)]
    written(path, events)
    rows = stored(path)
    assert rows[0][0] == KEY and rows[0][1] > 2000
    assert all(encoding == ROWS and size < 120 for encoding, size in rows[1:])
    with Journal.open(path, read_only=True) as journal:
        read = list(journal.events())
    assert read == events
    # rebuilt from the previous event: an unchanged row is the very object read before, not
    # validated again; the changed one is new
    assert read[3].deployments[0] is read[2].deployments[0]
    assert read[3].deployments[7] is not read[2].deployments[7]


def test_a_reordered_or_shrunk_sample_says_so(tmp_path):
    path = tmp_path / "s.warroom"
    events = [
        fleet(START, 0),
        fleet(START + timedelta(seconds=2), 0, order=lambda rows: rows[::-1]),
        fleet(START + timedelta(seconds=4), 0, order=lambda rows: rows[::2]),
    ]
    written(path, events)
    with Journal.open(path, read_only=True) as journal:
        assert list(journal.events()) == events
    with closing(sqlite3.connect(path)) as db:
        bodies = [
            row[0] for row in db.execute("SELECT body FROM events WHERE encoding = ?", (ROWS,))
        ]
    assert len(bodies) == 2


def test_key_rows_come_at_a_bounded_distance(tmp_path):
    path = tmp_path / "s.warroom"
    events = [fleet(START + timedelta(seconds=2 * i), restarts=i % 2) for i in range(40)]
    written(path, events, key_every=16)
    keys = [i for i, (encoding, _) in enumerate(stored(path)) if encoding != ROWS]
    assert keys == [0, 16, 32]


def test_whole_deployments_rows_read_back_share_their_unchanged_rows(tmp_path):
    """Two whole rows of a stream whose rows seldom change hold one set of rows once read: a
    seek between them validates neither again, and the fold passes the same rows over."""
    path = tmp_path / "s.warroom"
    events = [fleet(START + timedelta(seconds=2 * i), restarts=i) for i in range(40)]
    written(path, events, key_every=16)
    with Journal.open(path, read_only=True) as journal:
        read = list(journal.events())
        # seeking back to where it read: the whole row is the one kept, not validated again
        again = journal.sample(1)
    assert dumped(read) == dumped(events)
    assert read[16].deployments[0] is read[0].deployments[0]
    assert read[32].deployments[9] is read[15].deployments[9]
    assert read[16].deployments[7] is not read[15].deployments[7]  # restarts changed
    assert read[16].deployments[7] == events[16].deployments[7]
    assert again is read[0]


def test_a_stream_whose_changes_outweigh_a_whole_row_begins_again_whole(tmp_path):
    """Every value new at each sample (a scrape): reading never rebuilds more than a few
    whole rows' worth of changes."""
    path = tmp_path / "s.warroom"
    events = [
        MetricSampled(
            at=START + timedelta(seconds=2 * i),
            metric="error_rate",
            values={f"svc-{n}": i + n / 7 for n in range(50)},
        )
        for i in range(60)
    ]
    written(path, events)
    keys = [i for i, (encoding, _) in enumerate(stored(path)) if encoding != ROWS]
    factor = codec.WHOLE_ROWS["metric_sampled"]
    gaps = [b - a for a, b in itertools.pairwise(keys)]
    assert len(keys) >= 3 and all(factor <= gap <= factor + 2 for gap in gaps), keys
    with Journal.open(path, read_only=True) as journal:
        assert list(journal.events()) == events


def test_a_rolled_back_sample_is_never_built_on(tmp_path):
    path = tmp_path / "s.warroom"
    first = fleet(START, restarts=0)
    gone = fleet(START + timedelta(seconds=2), restarts=9)
    after = fleet(START + timedelta(seconds=4), restarts=1)
    with Journal.create(path) as journal:
        journal.append(first)
        with pytest.raises(RuntimeError), journal.transaction():
            journal.append(gone)
            raise RuntimeError("the outbox row could not be written")
        journal.append(after)
    with Journal.open(path, read_only=True) as journal:
        assert list(journal.events()) == [first, after]
        journal.verify()


def test_a_row_built_on_a_damaged_one_is_reported_corrupt(tmp_path):
    path = tmp_path / "s.warroom"
    events = [fleet(START + timedelta(seconds=2 * i), restarts=i) for i in range(3)]
    written(path, events)
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE events SET ref = 99 WHERE seq = 3")
        db.commit()
    with Journal.open(path, read_only=True) as journal, pytest.raises(JournalError) as err:
        list(journal.events())
    assert "event 3 is corrupt" in str(err.value)


def test_row_changes_that_do_not_fit_are_refused(tmp_path):
    """A ROWS text that removes or orders a row its base lacks is damage, not a guess."""
    from state.journal.rows import rebuild, rows_of

    base = fleet(START, 0)
    head = DeploymentsSampled(at=START, deployments=()).model_dump_json().encode()
    for meta in (
        {"del": {"deployments": [["prod", "nope"]]}},
        {"order": {"deployments": [["x", "y"]]}},
        {"del": 3},
    ):
        with pytest.raises(ValueError):
            rebuild(base, rows_of(base) or {}, head + b"\n" + json.dumps(meta).encode())


def test_a_value_that_only_changes_sign_of_zero_or_is_nan_is_kept_exactly(tmp_path):
    path = tmp_path / "s.warroom"
    values = [{"api": 0.0, "db": float("nan")}, {"api": -0.0, "db": float("nan")}, {"api": 0.0}]
    events = [
        MetricSampled(at=START + timedelta(seconds=2 * i), metric="latency", values=v)
        for i, v in enumerate(values)
    ]
    written(path, events)
    with Journal.open(path, read_only=True) as journal:
        assert dumped(journal.events()) == dumped(events)
