"""A journal whose file refuses writes mid-session: events held in memory, in order, then
written once it takes them again. Real refusals, no mocks: SQLite's own SQLITE_FULL through
`PRAGMA max_page_count` on the journal's connection, and the OS's EFBIG under RLIMIT_FSIZE
(tests/unit/test_journal_efbig.py)."""

from __future__ import annotations

import pytest

from state.events import JournalWrittenAgain, NoteAdded
from state.guide.severity import IncidentStatus, Severity
from state.journal import holding as holding_module
from state.journal.keyframes import KeyframeIndex
from state.journal.outbox import Outbox, OutboxMessage, enqueue
from state.journal.store import Journal
from state.recorder import Recorder
from state.timeline import written_again
from tests.unit.helpers import T0, at, error_rate, health


def fill(journal: Journal) -> None:
    """Let the file grow by no page from now on: the next page it needs is SQLITE_FULL."""
    pages = journal.connection.execute("PRAGMA page_count").fetchone()[0]
    journal.connection.execute(f"PRAGMA max_page_count = {pages}")


def free(journal: Journal) -> None:
    journal.connection.execute("PRAGMA max_page_count = 1073741823")


def note(t: float, text: str) -> NoteAdded:
    return NoteAdded(at=at(t), text=text, by="alice")


def sample(t: float, value: float = 0.01):
    return error_rate(t, checkout=value, **{f"svc{i}": value for i in range(40)})


@pytest.fixture
def recorder(tmp_path):
    recorder = Recorder(Journal.create(tmp_path / "j.warroom"))
    yield recorder
    recorder.journal.close()


def kinds_and_times(journal: Journal) -> list[tuple[str, float]]:
    return [(e.kind, e.at.timestamp()) for e in journal.events()]


def test_a_full_journal_holds_events_in_order_folds_them_and_writes_them_later(recorder):
    recorder.record(note(0, "before"))
    fill(recorder.journal)
    sent = [sample(t, t / 1000) for t in range(1, 150)] + [note(150, "escalating, disk full")]
    for event in sent:
        recorder.record(event)  # never raises
    held = recorder.holding
    assert held is not None and held.reason == "journal full"
    first = len(sent) - len(held.events)  # those the last page had room for were written
    assert len(held.events) > 50 and list(held.events) == sent[first:]
    assert held.since == sent[first].at and held.others() == 1
    assert recorder.state.events == 151  # folded and shown all the same
    assert recorder.events()[1:] == sent  # what the session's readers read (runbook, drill)
    assert recorder.retry(at(151)) is None  # still full: still held, in order
    assert list(recorder.holding.events) == sent[first:] and recorder.holding.tries == 2

    free(recorder.journal)
    said = recorder.retry(at(152))
    assert said == JournalWrittenAgain(
        at=at(152), since=sent[first].at, reason="journal full", held=len(sent) - first
    )
    assert recorder.holding is None
    events = list(recorder.journal.events())
    assert events[1:] == [*sent, said]  # every event, in the order it was folded
    assert written_again(said).startswith(f"Journal written again: {said.held} events held")
    assert recorder.state.timeline[-1].text == written_again(said)


def test_the_events_after_a_recovery_are_journaled_again_and_keyframes_match(recorder):
    recorder.record(note(0, "begin"))
    for t in range(1, 200, 2):
        recorder.record(sample(t))
    fill(recorder.journal)
    for t in range(200, 400, 2):
        recorder.record(sample(t, t / 1000))
    free(recorder.journal)
    assert recorder.retry(at(400)) is not None
    for t in range(402, 700, 2):
        recorder.record(sample(t, t / 1000))
    live = recorder.state
    frames = recorder.journal.connection.execute("SELECT seq, at FROM keyframes").fetchall()
    assert len(frames) >= 4  # taken before, and again after the recovery
    seqs = {seq for (seq,) in recorder.journal.connection.execute("SELECT seq FROM events")}
    assert all(seq in seqs for seq, _ in frames)
    # a keyframe's state is the fold of the events up to its seq: the latest one, folded on
    assert KeyframeIndex(recorder.journal).latest() == live


def queued(channel: str, target: dict, text: str) -> OutboxMessage:
    return OutboxMessage(
        message_id=f"INC-1:{channel}:1",
        incident_id="INC-1",
        channel=channel,
        target=target,
        status=IncidentStatus.INVESTIGATING,
        severity=Severity.P1,
        title="checkout down",
        text=text,
        by="alice",
    )


def test_a_message_queued_while_holding_is_kept_in_memory_and_written_later(recorder):
    outbox = Outbox(recorder.journal)
    recorder.record(note(0, "before"))
    fill(recorder.journal)
    message = queued("slack", {"type": "slack", "webhook_env": "SLACK_URL"}, "we are on it")
    while recorder.holding is None:  # what the last page had room for is written
        recorder.record(note(1, "filling the last page"))
    enqueue(outbox, recorder.record, T0, [message], [note(1, "queued while full")])
    assert recorder.holding is not None
    row = outbox.get("INC-1:slack:1")
    assert row is not None and row.state == "pending" and not outbox.in_file(row)
    outbox.claim("INC-1:slack:1")  # in memory: the file cannot take it
    outbox.finish("INC-1:slack:1", delivered=True)
    free(recorder.journal)
    assert recorder.retry(at(5)) is not None
    after = Outbox(recorder.journal).get("INC-1:slack:1")
    assert after is not None and after.state == "delivered" and after.attempts == 1
    files = recorder.journal.connection.execute("SELECT state FROM main.outbox").fetchall()
    assert files == [("delivered",)]


def test_a_transaction_rolled_back_while_holding_takes_its_held_events_out(recorder):
    recorder.record(note(0, "before"))
    fill(recorder.journal)
    while recorder.holding is None:
        recorder.record(note(1, "held"))
    with pytest.raises(RuntimeError), recorder.journal.transaction():
        recorder.record(note(2, "rolled back"))
        raise RuntimeError("the body failed")
    assert [e.text for e in recorder.holding.events] == ["held"]  # type: ignore[attr-defined]
    assert [e.text for e in recorder.journal.events()][-1] != "rolled back"


def test_memory_stays_bounded_by_thinning_samples_never_the_commanders_acts(recorder, monkeypatch):
    monkeypatch.setattr(holding_module, "MAX_ROWS", 2_000)
    fill(recorder.journal)
    while recorder.holding is None:
        recorder.record(sample(0))
    for t in range(300):
        recorder.record(health(t, checkout=True, cart=True) if t % 3 else sample(t))
        if t % 50 == 0:
            recorder.record(note(t, f"act {t}"))
    held = recorder.holding
    assert held is not None and held.thinned > 0
    assert sum(1 for e in held.events if isinstance(e, NoteAdded)) == 6
    free(recorder.journal)
    said = recorder.retry(at(300))
    assert said is not None and said.thinned == held.thinned
    assert "probe samples thinned" in written_again(said)
    texts = [e.text for e in recorder.journal.events() if isinstance(e, NoteAdded)]
    assert texts == [f"act {t}" for t in range(0, 300, 50)]


async def test_replay_and_the_review_of_a_journal_with_a_gap_are_whole_and_say_it(tmp_path):
    """A session whose disk filled mid-incident: once written again, replay shows at every
    instant what the console showed then, and the review says recording was interrupted."""
    from state.journal.replay import Replay
    from state.review.files import review_files
    from tests.play import Session

    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    session.declare()
    live: dict[float, object] = {}
    recorder = session.recorder
    fill(recorder.journal)
    t = 60.0
    while recorder.holding is None or len(recorder.holding.events) < 40:
        t += 2
        await session.arun(t)
        live[recorder.state.now.timestamp()] = recorder.state
    session.acknowledge()  # the commander's act, held
    live[recorder.state.now.timestamp()] = recorder.state
    held = len(recorder.holding.events)
    free(recorder.journal)
    session.clock.advance(1)
    said = recorder.retry(session.clock.now())
    assert said is not None and said.held == held
    await session.arun(t + 30)
    recorder.journal.close()

    with Journal.open(tmp_path / "j.warroom", read_only=True) as journal:
        replay = Replay(journal)
        for at_, state in live.items():  # the held stretch replays as it was shown
            # as journaled: the pods' uids (never drawn, DeploymentStatus.pod_uids) are left out
            seen = replay.seek(at_).model_dump_json(exclude={"timeline"})
            assert seen == state.model_dump_json(exclude={"timeline"})
            assert replay.state.timeline == state.timeline
        files = {f.name: f.data.decode() for f in review_files(journal.events())}
    review = next(text for name, text in files.items() if name.endswith("_review.md"))
    assert (
        f"recording interrupted {said.since:%Y-%m-%dT%H:%M:%SZ} to {said.at:%Y-%m-%dT%H:%M:%SZ}"
        in review
    )
    assert f"({said.reason}): {said.held:,} events held in memory, written late" in review
    assert "Journal written again" in review and "Acknowledged" in review


def test_the_oss_efbig_past_a_file_size_limit_is_held_and_written_once_lifted(tmp_path):
    """RLIMIT_FSIZE in a child process: write(2) fails with EFBIG (SQLITE_IOERR_WRITE)."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "tests.unit.efbig_child", str(tmp_path / "j.warroom")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout)
    assert seen == {
        "reason": "file size limit reached (ulimit -f)",
        "held": 50,
        "retried": False,
        "written": 50,
        "all_in_order": True,
        "commit_refused": ["in the transaction"],
    }


def immutable(path) -> bool:
    """chattr +i on `path` (root, on a file system that has the flag); False if it cannot."""
    import shutil
    import subprocess

    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def mutable(path) -> None:
    import subprocess

    subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_journal_made_immutable_says_its_wal_cannot_be_checkpointed(recorder):
    """chattr +i: SQLite goes on writing the -wal, and its checkpoints fail silently."""
    path = recorder.journal.path
    recorder.record(note(0, "before"))
    if not immutable(path):
        pytest.skip("chattr +i needs root and a file system with the flag")
    try:
        for t in range(1, 50):
            recorder.record(sample(t, t / 1000))
        assert recorder.holding is None  # the events are in the -wal: recorded
        recorder.journal.checkpoint(at(50))
        assert recorder.journal.stuck == (at(50), f"file not writable ({path.name})")
        recorder.journal.checkpoint(at(60))
        assert recorder.journal.stuck[0] == at(50)  # since the first refusal
    finally:
        mutable(path)
    recorder.journal.checkpoint(at(70))
    assert recorder.journal.stuck is None


def test_a_write_refused_mid_transaction_holds_what_it_wrote_and_goes_on_in_memory(recorder):
    """The outbox row's INSERT is refused after the transaction's first event was written:
    the transaction is rolled back, that event is held (folded once), the row kept in the
    memory copy, and the rest of the transaction goes on there."""
    outbox = Outbox(recorder.journal)
    recorder.record(note(0, "before"))
    fill(recorder.journal)
    target = {"type": "pagerduty", "routing_key_env": "PD_KEY"}
    big = queued("pagerduty", target, "x" * 20_000)  # overflow pages the file cannot grow by
    with recorder.journal.transaction():
        recorder.record(note(1, "first, written"))
        assert recorder.holding is None
        outbox.add(big, T0)  # refused: holding begins here
        assert recorder.holding is not None
        recorder.record(note(2, "after, in memory"))
    assert [e.text for e in recorder.holding.events] == ["first, written", "after, in memory"]
    assert recorder.state.events == 3  # each folded once
    assert outbox.get("INC-1:pagerduty:1") is not None
    free(recorder.journal)
    assert recorder.retry(at(3)) is not None
    texts = [e.text for e in recorder.journal.events() if isinstance(e, NoteAdded)]
    assert texts == ["before", "first, written", "after, in memory"]
    assert recorder.journal.connection.execute("SELECT count(*) FROM main.outbox").fetchone() == (
        1,
    )


def test_a_large_hold_is_written_back_a_chunk_at_a_time_and_an_act_meanwhile_keeps_its_place(
    tmp_path, monkeypatch
):
    """The write-back lets the journal's lock go between chunks of WRITE_BACK_ROWS rows: the
    commander's act, recorded from another thread while it runs, is held after the samples
    before it and written before those after it; the journal reads and replays as one that
    was never held."""
    import threading

    from state.journal.replay import Replay

    monkeypatch.setattr(holding_module, "WRITE_BACK_ROWS", 300)  # 41 rows a sample: 7 each
    recorder = Recorder(Journal.create(tmp_path / "held.warroom"))
    recorder.record(note(0, "begin"))
    fill(recorder.journal)
    t = 1
    while recorder.holding is None or len(recorder.holding.events) < 60:
        recorder.record(sample(t, t / 1000))
        t += 2
    free(recorder.journal)
    held, since = len(recorder.holding.events), recorder.holding.since
    act = note(t, "acknowledged while the hold is written back")
    later = [sample(t + 1 + 2 * i, 0.5) for i in range(10)]
    chunks: list[int] = []  # events still held at each pause between two transactions
    meanwhile = threading.Event()

    def between() -> None:
        chunks.append(len(recorder.holding.events))  # type: ignore[union-attr]
        if len(chunks) == 2:  # the lock is free: the loop's act takes it now
            meanwhile.wait(10)

    said: list[JournalWrittenAgain | None] = []
    writer = threading.Thread(target=lambda: said.append(recorder.retry(at(t + 30), 5, between)))
    writer.start()
    while len(chunks) < 2 and writer.is_alive():
        writer.join(0.01)
    assert len(chunks) == 2, "the write-back never let the lock go"
    assert recorder.journal.lock.acquire(timeout=5)  # free between two chunks
    recorder.journal.lock.release()
    for event in (act, *later):  # recorded on "the loop" while the write-back waits
        recorder.record(event)
    assert recorder.holding is not None and recorder.holding.events[-11] == act
    meanwhile.set()
    writer.join(30)
    assert said and said[0] is not None and recorder.holding is None
    assert chunks[0] - chunks[1] == 300 // 41  # each transaction: at most WRITE_BACK_ROWS rows
    written = list(recorder.journal.events())
    sent = [e for e in written if e.kind != "journal_written_again"]
    assert sent[-11:] == [act, *later] and written[-1] == said[0]
    assert said[0].held == held + 11 and said[0].since == since
    assert KeyframeIndex(recorder.journal).latest() == recorder.state
    recorder.journal.close()

    never = Recorder(Journal.create(tmp_path / "never.warroom"))  # the same events, never held
    for event in written:
        never.record(event)
    never.journal.close()
    with (
        Journal.open(tmp_path / "held.warroom", read_only=True) as held,
        Journal.open(tmp_path / "never.warroom", read_only=True) as straight,
    ):
        assert list(held.events()) == list(straight.events())
        a, b = Replay(held), Replay(straight)
        for when in (0, t / 2, t - 1, t, t + 5, t + 30):
            assert a.seek(at(when).timestamp()) == b.seek(at(when).timestamp()), when


def test_the_note_beside_a_journal_says_what_it_lacks_and_outlives_its_console(tmp_path):
    """Made with the journal, said in place as holding begins, grows and is lost at the end;
    kept, as ended, by the next console writing the journal; gone after a session that
    lost nothing."""
    import os

    from state.journal.note import SIZE, note_path, read
    from tui.journals import unrecorded
    from tui.unrecorded import holds

    path = tmp_path / "n.warroom"
    recorder = Recorder(Journal.create(path))
    assert note_path(path).stat().st_size == SIZE and read(path) == []
    recorder.record(note(0, "before"))
    fill(recorder.journal)
    while recorder.holding is None:
        recorder.record(sample(1))
    for t in range(2, 7):
        recorder.record(sample(t))
    holding = recorder.holding
    (now,) = read(path)
    assert (now.since, now.held, now.reason) == (holding.since.timestamp(), 6, "journal full")
    assert holds(path, now.pid) == (now, [])  # its console writes the journal: not lost yet
    assert unrecorded(path) == (  # `warroom journals`
        f"  (being written by a console, pid {os.getpid()}: NOT RECORDING since "
        f"{holding.since:%H:%M:%S} (journal full), 6 events held)"
    )
    assert holds(path, None) == (None, [now])  # read as lost once none writes it (killed)
    recorder.journal.close()  # the console ends with them
    (lost,) = read(path)
    assert lost.ended and lost.held == 6 and note_path(path).stat().st_size == SIZE

    again = Recorder(Journal.open(path))  # the session resumed: the loss stays said
    again.record(note(10, "resumed"))
    assert read(path) == [lost]
    again.journal.close()
    assert read(path) == [lost]

    clean = tmp_path / "clean.warroom"
    Recorder(Journal.create(clean)).journal.close()
    assert not note_path(clean).exists()


def test_a_note_that_is_not_one_is_passed_over(tmp_path):
    """The note is read by replay and `journals`: what is in it is untrusted."""
    from state.journal.note import note_path, read
    from tui.unrecorded import holds, lost_said

    path = tmp_path / "x.warroom"
    good = '{"pid": 1, "since": 1.5e9, "reason": "disk full (\\u001b[31m/mnt)", "held": 3}'
    note_path(path).write_text(
        "\n".join(
            [
                "not json",
                '{"pid": 1, "since": NaN, "reason": "x", "held": 3}',
                '{"pid": 1, "since": 1e9, "reason": "x", "held": -1}',
                '["a list"]',
                '{"pid": "one"}',
                good,
            ]
        )
    )
    (line,) = read(path)
    said = lost_said(holds(path, None)[1][0])
    assert line.held == 3 and "\x1b" not in said and said.startswith("3 events after ")
