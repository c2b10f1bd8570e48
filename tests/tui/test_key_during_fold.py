"""A key is answered while a probe's sample is journaled and folded (issue #10): folding
stays off the UI's path (tui/recording.py).

The fold of the simulated cluster's first deployments sample is held, in the recorder's
thread, on an Event the test controls: `?` is pressed while that sample is mid-fold, every
time. The help is drawn before the fold is let go, and the sample reaches the state and the
Services pane once it is. Were the fold on the console's loop, the key would wait for it.
"""

from __future__ import annotations

import asyncio
import threading

from probes.scheduler import ProbeScheduler
from probes.simulated.probe import probes
from state import recorder as recording
from state.events import EventBase, NoteAdded
from tests.play import Session
from tests.tui.waiting import pressed, shown
from tui.recording import SampleRecorder
from widgets.help import HelpScreen
from widgets.services import ServicesPane

HOLD = 60.0  # seconds: a bound on the held fold, so a broken test fails instead of hanging


async def test_a_key_is_answered_while_a_sample_is_folded(tmp_path, monkeypatch) -> None:
    folding, release = threading.Event(), threading.Event()
    fold = recording.fold

    def held(state, event):
        if event.kind == "deployments_sampled" and not release.is_set():
            folding.set()
            release.wait(HOLD)
        return fold(state, event)

    monkeypatch.setattr(recording, "fold", held)
    session = Session("bad-deploy", tmp_path / "j.warroom")
    app = session.app(probes=probes(session.cluster))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            assert await asyncio.to_thread(folding.wait, HOLD), "the probe never sampled"
            assert threading.current_thread() is threading.main_thread()
            await pressed(pilot, "question_mark")
            await shown(pilot, HelpScreen)
            assert isinstance(app.screen, HelpScreen)  # answered, with the fold still held
            assert session.recorder.state.probe("kubernetes").last_ok is None
            await pressed(pilot, "escape")
            release.set()
            services = app.query_one(ServicesPane)
            for _ in range(500):  # the fold let go: the sample reaches the state and the pane
                if "r1" in _drawn(services):
                    break
                await pilot.pause(0.02)
            assert session.recorder.state.probe("kubernetes").last_ok is not None
            assert "r1" in _drawn(services)  # its pods' revision: drawn from the sample
            assert not isinstance(app.screen, HelpScreen)
    finally:
        release.set()
        session.recorder.journal.close()


def _drawn(pane: ServicesPane) -> str:
    return " ".join(line.plain for line in pane.table.lines)


async def test_what_the_commander_does_is_journaled_after_the_samples_before_it(
    tmp_path,
) -> None:
    """The samples waiting for the recorder's thread are journaled before a note the
    commander adds (drained first, as the console's `record` does), but never inside a
    journal transaction: they come after it, and are not rolled back with it."""
    session = Session("bad-deploy", tmp_path / "j.warroom")
    emitted: list[EventBase] = []
    await ProbeScheduler(probes(session.cluster), session.clock, emitted.append).cycle()
    delivered: list[EventBase] = []
    failures: list[Exception] = []
    loop = asyncio.get_running_loop()
    samples = SampleRecorder(session.recorder, loop, delivered.extend, failures.append)
    journal = session.recorder.journal
    try:
        first, second = emitted[:2], emitted[2:]
        for event in first:  # the thread is not started: they wait
            samples.submit(event)
        note = NoteAdded(at=session.clock.now(), text="rolled back?", by="alice")
        samples.drain()
        session.recorder.record(note)
        for event in second:
            samples.submit(event)
        try:
            with journal.transaction():
                samples.drain()  # inside the transaction: nothing
                raise RuntimeError("the outbox's write failed")
        except RuntimeError:
            pass
        assert len(samples._queue) == len(second)
        samples.start()
        await asyncio.to_thread(samples.stop)
        kinds = [event.kind for event in journal.events()][1:]
        assert kinds == [e.kind for e in first] + ["note_added"] + [e.kind for e in second]
        await asyncio.sleep(0)  # the hand-over to the loop
        assert [e.kind for e in delivered] == [e.kind for e in [*first, *second]]
        assert not failures
    finally:
        journal.close()
