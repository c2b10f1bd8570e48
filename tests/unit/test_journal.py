"""The journal: every event committed to one SQLite file, read back exactly, refused safely."""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
import stat
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from probes.simulated.cluster import SimulatedCluster
from probes.simulated.probe import SIMULATED_SOURCES, sample
from probes.simulated.scenario import load
from state import events as ev
from state.console import ConsoleState
from state.guide.severity import IncidentStatus, Role, Severity
from state.journal.schema import VERSION as SCHEMA_VERSION
from state.journal.store import Journal, JournalError, encode
from state.recorder import Recorder
from tests.unit.helpers import T0, as_json, at, deployment, fold_all, pod

NAN, INF = math.nan, math.inf

ALL_KINDS = [
    ev.SessionStarted(
        at=T0,
        mode="demo",
        version="0.1",
        operator="Zoë Ångström",
        scenario="bad-deploy",
        seed=7,
        speed=4.0,
        services=("analysis-service", "tracklist-service"),
    ),
    ev.DeploymentsSampled(
        at=at(1),
        deployments=(
            deployment("analysis-service"),
            deployment(
                "tracklist-service",
                ready=1,
                revision=8,
                pods=(pod("t-1"), pod("t-2", reason="CrashLoopBackOff", ready=False)),
            ),
        ),
    ),
    ev.HealthSampled(
        at=at(2),
        results=(
            ev.HealthResult(service="analysis-service", up=True, status_code=200, latency_ms=5.5),
            ev.HealthResult(service="tracklist-service", up=False, error="connexion refusée"),
        ),
    ),
    ev.MetricSampled(
        at=at(3),
        metric="error_rate",
        values={"a": 0.5, "nan": NAN, "inf": INF, "-inf": -INF, "none": None},
    ),
    ev.MetricSampled(at=at(3), metric="latency", values={"a": 180.0}, baseline={"a": 175.5}),
    ev.MetricHistoryLoaded(
        at=at(4), metric="latency", series={"a": (1.0, None, NAN, INF)}, baseline={"a": 2.0}
    ),
    ev.MetricPartMissing(
        at=at(4), metric="error_rate", part="history", reason="Prometheus execution: too many"
    ),
    ev.DatabaseSampled(
        at=at(5),
        connections={"active": 4, "idle": 22, "idle in transaction": 1, "waiting": 1},
        max_connections=100,
        sessions=(
            ev.DbSession(
                pid=4242, state="idle in transaction", query="UPDATE tracks …", xact_start=T0
            ),
            ev.DbSession(pid=5001, blocked_by=(4242,), wait_event_type="Lock", query_start=at(3)),
        ),
    ),
    ev.CacheSampled(at=at(6), used_memory_mb=421.5, max_memory_mb=1024.0),
    ev.ProbeFailed(at=at(7), source="postgres", reason="connection refused"),
    ev.ProbeRecovered(at=at(8), source="postgres"),
    ev.SessionResumed(at=at(9), operator="ana", version="0.1"),
    ev.IncidentDeclared(
        at=at(10),
        incident_id="INC-20260306-8410",
        severity=Severity.P1,
        title="tracklist 5xx — ошибка 🚨",
        reason="tracklist-service error rate 34.0% > 20%",
        by="ana",
    ),
    ev.IncidentAcknowledged(at=at(11), by="ana"),
    ev.SeverityChanged(
        at=at(12), severity=Severity.P2, previous=Severity.P1, reason="ok", by="ana"
    ),
    ev.StatusChanged(at=at(13), status=IncidentStatus.IDENTIFIED, by="ana"),
    ev.RoleAssigned(at=at(14), role=Role.CL, person="李雷", by="ana"),
    ev.NoteAdded(at=at(15), text="line one\nline two \x1b[31m raw as typed", by="ana"),
    ev.JournalWrittenAgain(at=at(15), since=at(14), reason="disk full (/mnt/x)", held=3),
    ev.ActionRequested(
        at=at(16),
        action_id="a1",
        action="scale",
        target="analysis-service",
        params={"replicas": 5, "why": "load"},
        by="ana",
    ),
    ev.ActionFinished(at=at(17), action_id="a1", ok=True, result="scaled to 5"),
    ev.Escalated(
        at=at(17),
        level=3,
        reason="P1 unacknowledged 15 min",
        by="ana",
        contacts=("engineering manager", "product manager"),
        channels=("#management",),
    ),
    ev.MessageQueued(
        at=at(17),
        message_id="INC-20260306-8410:#incidents:1",
        channel="#incidents",
        status=IncidentStatus.IDENTIFIED,
        text="We have identified the issue",
        by="ana",
    ),
    ev.MessageSent(
        at=at(18),
        message_id="m1",
        channel="#incidents",
        status=IncidentStatus.IDENTIFIED,
        text="We have identified the issue",
        outcome="delivered",
        by="ana",
    ),
    ev.MessageResent(
        at=at(18), message_id="m1", channel="#incidents", status=IncidentStatus.IDENTIFIED, by="ana"
    ),
    ev.VerificationChecked(at=at(19), ok=True, streak=1, detail="4 healthy services", by="ana"),
    ev.VerificationFinished(at=at(19), stable=True, detail="5 good checks in a row"),
    ev.DrillScored(
        at=at(19),
        scenario="bad-deploy",
        milestones=(
            ev.Milestone(
                name="Acknowledged", took=40.0, target=300.0, verdict="met", points=10, of=10
            ),
        ),
        harmful=("restart of healthy file-watcher at 09:27:00",),
        points=85,
        of=100,
        grade="B",
    ),
    ev.InvestigationShown(
        at=at(19),
        step="changes",
        service="tracklist-service",
        findings=(ev.Finding(part="Rollouts", text="revision 8 → 9 image v2.3.1", tone="bad"),),
        unavailable=("events: forbidden (grant list events)",),
        by="ana",
    ),
    ev.RunbookOpened(at=at(19), runbook="high-error-rate", title="High Error Rate", by="ana"),
    ev.RunbookStepTicked(
        at=at(19), runbook="high-error-rate", step="0-5.2", text="Join the bridge", by="ana"
    ),
    ev.RunbookChecked(at=at(19), runbook="service-down", ok=False, detail="5xx 3%", by="ana"),
    ev.IncidentResolved(at=at(19), summary="rolled back", by="ana"),
]


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def siblings(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


def refusals(path: Path) -> list[str]:
    """The errors of opening `path` for writing, then read-only: one line each, and the file
    and its folder left as they were."""
    before, names = fingerprint(path), siblings(path)
    messages = []
    for read_only in (False, True):
        with pytest.raises(JournalError) as err:
            Journal.open(path, read_only=read_only)
        messages.append(str(err.value))
    assert not any("\n" in message for message in messages)
    assert fingerprint(path) == before
    assert siblings(path) == names
    return messages


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "session.warroom"


@pytest.fixture
def written(path) -> Path:
    """A closed journal holding ALL_KINDS."""
    with Journal.create(path, {"mode": "demo"}) as journal:
        for event in ALL_KINDS:
            journal.append(event)
    return path


# ---- writing and reading back ------------------------------------------------------------


def test_the_fixture_covers_every_event_kind():
    assert {e.kind for e in ALL_KINDS} == set(ev.EVENT_TYPES)


def test_events_read_back_equal_and_in_order(written):
    with Journal.open(written, read_only=True) as journal:
        back = list(journal.events())
        assert journal.count() == len(ALL_KINDS)
    assert [type(e) for e in back] == [type(e) for e in ALL_KINDS]
    assert [as_json(e) for e in back] == [as_json(e) for e in ALL_KINDS]
    # and not only equal as JSON: the values are the same Python values
    plain = [e for e in ALL_KINDS if "nan" not in as_json(e).lower()]
    assert [e for e in back if "nan" not in as_json(e).lower()] == plain


def test_nan_and_inf_survive(written):
    with Journal.open(written, read_only=True) as journal:
        metric = next(e for e in journal.events() if isinstance(e, ev.MetricSampled))
    assert math.isnan(metric.values["nan"])
    assert metric.values["inf"] == INF
    assert metric.values["-inf"] == -INF
    assert metric.values["none"] is None


def test_events_after_a_sequence_number(written):
    with Journal.open(written, read_only=True) as journal:
        rest = list(journal.events(after_seq=len(ALL_KINDS) - 2))
    assert [e.kind for e in rest] == [ALL_KINDS[-2].kind, ALL_KINDS[-1].kind]


def test_append_returns_increasing_sequence_numbers(path):
    with Journal.create(path) as journal:
        seqs = [journal.append(e) for e in ALL_KINDS[:3]]
    assert seqs == [1, 2, 3]


def test_created_private(path):
    journal = Journal.create(path)
    journal.append(ALL_KINDS[0])
    try:
        for name in siblings(path):
            mode = stat.S_IMODE((path.parent / name).stat().st_mode)
            assert mode & 0o077 == 0, f"{name} is {oct(mode)}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        journal.close()


def test_schema_version_recorded(written):
    db = sqlite3.connect(f"{written.as_uri()}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        db.close()
    with Journal.open(written, read_only=True) as journal:
        assert journal.meta() == {"schema_version": str(SCHEMA_VERSION), "mode": "demo"}


# ---- the recorder ------------------------------------------------------------------------


def test_resume_gives_the_state_of_folding_the_events(written):
    recorder = Recorder.reopen(Journal.open(written, read_only=True))
    with recorder.journal:
        assert as_json(recorder.state) == as_json(fold_all(ConsoleState(), ALL_KINDS))
        assert recorder.state.events == len(ALL_KINDS)


def test_record_commits_before_it_folds(path):
    recorder = Recorder(Journal.create(path))
    try:
        state = recorder.record(ALL_KINDS[0])
        assert state.operator == "Zoë Ångström"
        other = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        finally:
            other.close()
    finally:
        recorder.journal.close()


def test_an_event_that_cannot_be_journaled_is_not_folded(path):
    recorder = Recorder(Journal.create(path))
    recorder.record(ALL_KINDS[0])
    before = recorder.state
    recorder.journal.close()  # the disk is gone, say
    with pytest.raises(sqlite3.Error):
        recorder.record(ev.NoteAdded(at=at(99), text="lost", by="ana"))
    assert recorder.state is before


# ---- size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["bad-deploy", "db-lock-storm", "service-down"])
def test_a_sample_tick_is_small_on_disk(scenario):
    # Measured: 71-116 bytes per event on average (compressed), 370-1040 as plain JSON.
    # The bound leaves ~1.7x headroom and still fails on a return to uncompressed JSON.
    cluster = SimulatedCluster(load(scenario), 7, T0)
    sizes, raw = [], []
    for tick in range(1, 151):  # five minutes at 2 s
        now = T0 + timedelta(seconds=2 * tick)
        for source in SIMULATED_SOURCES:
            for event in sample(cluster, source, now):
                sizes.append(len(encode(event)[3]))
                raw.append(len(event.model_dump_json(exclude_defaults=True)))
    assert len(sizes) == 150 * 6
    average = sum(sizes) / len(sizes)
    assert average < 200, f"{average:.0f} bytes per event"
    assert sum(raw) / len(raw) > 200  # the bound would catch plain JSON


# ---- refusing what is not ours, untouched --------------------------------------------------


def test_a_main_file_without_its_wal_says_the_wal_is_missing(tmp_path):
    """A journal copied while its console still ran (or after a crash) without its -wal: the
    events are in the -wal, so the main file alone must say that, not 'not a journal'."""
    live = tmp_path / "live" / "j.warroom"
    live.parent.mkdir()
    journal = Journal.create(live)  # WAL mode, written but never checkpointed
    journal.append(ev.SessionStarted(at=T0, mode="live", version="0", operator="a"))
    copy = tmp_path / "copy.warroom"
    copy.write_bytes(live.read_bytes())
    before = fingerprint(copy)
    try:
        for open_it in (lambda: Journal.open(copy), lambda: Journal.open(copy, read_only=True)):
            with pytest.raises(JournalError) as err:
                open_it()
            assert "-wal file is missing" in str(err.value) and "copy.warroom-wal" in str(err.value)
        assert fingerprint(copy) == before
    finally:
        journal.close()


def test_another_schema_version_is_refused_untouched(written):
    db = sqlite3.connect(written)
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()
    for message in refusals(written):
        assert "version 7" in message and f"version {SCHEMA_VERSION}" in message


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a database, just text\n",
        b"\x00" * 4096,
        b"SQLite format 2\x00" + b"\x00" * 200,
    ],
    ids=["empty", "text", "zeros", "wrong-magic"],
)
def test_a_file_that_is_not_sqlite_is_refused_untouched(path, content):
    path.write_bytes(content)
    before = fingerprint(path)
    with pytest.raises(JournalError) as err:
        Journal.open(path)
    # a zero-byte file is a journal whose creation was cut short: it holds no session
    said = "no session was recorded in" if not content else "not a warroom journal"
    assert said in str(err.value)
    assert "\n" not in str(err.value)
    assert fingerprint(path) == before
    assert siblings(path) == {path.name}


@pytest.mark.parametrize("keep", [100, 4096, 8192])
def test_a_truncated_journal_is_refused_untouched(written, keep):
    written.write_bytes(written.read_bytes()[:keep])
    before = fingerprint(written)
    with pytest.raises(JournalError) as err:
        Journal.open(written, read_only=True)
    assert "corrupt" in str(err.value)
    assert "\n" not in str(err.value)
    assert fingerprint(written) == before


def test_a_corrupt_journal_is_refused_untouched(written):
    data = bytearray(written.read_bytes())
    page = 4096
    data[page:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - page))  # pages 2..n
    written.write_bytes(bytes(data))
    before = fingerprint(written)
    with pytest.raises(JournalError) as err:
        Journal.open(written)
    assert "\n" not in str(err.value)
    assert fingerprint(written) == before


def test_a_corrupt_event_row_is_a_journal_error_not_a_traceback(written):
    db = sqlite3.connect(written)
    db.execute("UPDATE events SET body = X'DEADBEEF' WHERE seq = 3")
    db.execute("UPDATE events SET encoding = 0, body = CAST('{\"x\": 1}' AS BLOB) WHERE seq = 5")
    db.commit()
    db.close()
    with Journal.open(written, read_only=True) as journal:
        events = journal.events()
        assert next(events).kind == ALL_KINDS[0].kind
        assert next(events).kind == ALL_KINDS[1].kind
        with pytest.raises(JournalError) as err:
            next(events)
        assert "event 3" in str(err.value) and "\n" not in str(err.value)
        with pytest.raises(JournalError) as err:
            list(journal.events(after_seq=4))
        assert "event 5" in str(err.value) and "\n" not in str(err.value)


def test_an_sqlite_database_that_is_not_a_journal_is_refused_untouched(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE events (id INTEGER)")  # even with a table of the same name
    db.commit()
    db.close()
    before = fingerprint(path)
    with pytest.raises(JournalError) as err:
        Journal.open(path)
    assert str(err.value) == f"{path} is an SQLite database but not a warroom journal"
    assert fingerprint(path) == before


def test_a_missing_journal(path):
    with pytest.raises(JournalError, match="does not exist"):
        Journal.open(path)
    assert not path.exists()


def test_a_directory_is_not_a_journal(tmp_path):
    with pytest.raises(JournalError, match="is not a file"):
        Journal.open(tmp_path)


# ---- creating ----------------------------------------------------------------------------


def test_create_in_a_missing_directory_names_it_and_creates_nothing(tmp_path):
    target = tmp_path / "nope" / "deeper" / "s.warroom"
    with pytest.raises(JournalError) as err:
        Journal.create(target)
    assert str(tmp_path / "nope" / "deeper") in str(err.value)
    assert "does not exist" in str(err.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["/proc/warroom-test.warroom", "/sys/warroom-test.warroom"])
def test_create_where_nothing_can_be_written(where):
    with pytest.raises(JournalError) as err:
        Journal.create(where)
    assert str(err.value).startswith(f"cannot create journal {where}: ")
    assert not Path(where).exists()


@pytest.fixture
def remountable(tmp_path):
    """A tmpfs of its own at `tmp_path/fs`, and how to make it read-only; skipped where
    this user cannot mount one."""
    where = tmp_path / "fs"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")

    def read_only() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)

    try:
        yield where, read_only
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_resuming_on_a_read_only_file_system_says_so_not_permission_denied(remountable):
    where, read_only = remountable
    path = where / "s.warroom"
    Journal.create(path).close()
    read_only()
    with pytest.raises(JournalError) as err:
        Journal.open(path)
    assert str(err.value) == f"cannot write journal {path}: read-only file system"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file modes")
def test_create_in_a_read_only_directory(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(JournalError, match="permission denied"):
            Journal.create(tmp_path / "s.warroom")
    finally:
        tmp_path.chmod(0o700)


def test_create_refuses_an_existing_file_and_leaves_it(written):
    before = fingerprint(written)
    with pytest.raises(JournalError, match="already exists"):
        Journal.create(written)
    assert fingerprint(written) == before
    with Journal.open(written, read_only=True) as journal:
        assert journal.count() == len(ALL_KINDS)


# ---- read-only ---------------------------------------------------------------------------


def test_read_only_open_of_a_closed_journal_writes_nothing(written):
    before, names = fingerprint(written), siblings(written)
    assert names == {written.name}  # a closed journal is one self-contained file
    with Journal.open(written, read_only=True) as journal:
        assert journal.count() == len(ALL_KINDS)
        list(journal.events())
        assert siblings(written) == names  # no -wal, no -shm
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            journal.append(ALL_KINDS[0])
    assert fingerprint(written) == before
    assert siblings(written) == names


def test_read_only_open_while_a_writer_is_live_sees_committed_events(path):
    writer = Journal.create(path)
    try:
        writer.append(ALL_KINDS[0])
        with Journal.open(path, read_only=True) as reader:
            assert reader.count() == 1
            writer.append(ALL_KINDS[1])
            assert reader.count() == 2
    finally:
        writer.close()
    assert siblings(path) == {path.name}


def test_reopening_for_writing_appends(written):
    with Journal.open(written) as journal:
        journal.append(ev.NoteAdded(at=at(100), text="after resume", by="ana"))
    with Journal.open(written, read_only=True) as journal:
        assert journal.count() == len(ALL_KINDS) + 1
        assert list(journal.events())[-1].text == "after resume"
