"""`warroom export` adds the guide's Investigation Summary from what the console showed."""

from __future__ import annotations

from probes.investigate.base import run_section
from probes.investigate.simulated import SimulatedInvestigator
from state.events import InvestigationShown, NoteAdded
from state.journal.store import Journal
from state.review.files import review_files
from tests.hostile import CORPUS
from tests.play import OPERATOR, Session


async def investigated(session: Session, step: str, service: str | None = None) -> None:
    investigator = SimulatedInvestigator(session.cluster, session.clock.now)
    findings, unavailable = await run_section(investigator, step, service)
    session.record(
        InvestigationShown(
            at=session.clock.now(),
            step=step,
            service=service,
            findings=findings,
            unavailable=unavailable,
            by=OPERATOR,
        )
    )


def files(session: Session) -> dict[str, str]:
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        return {f.name: f.data.decode() for f in review_files(journal.events())}


async def test_the_summary_carries_the_changes_the_error_groups_and_the_pins(tmp_path) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(120)).declare()
    await investigated(session, "changes")
    await investigated(session, "errors", "tracklist-service")
    session.record(
        NoteAdded(
            at=session.clock.now(),
            text="Finding (Error patterns, Logs): x200 KeyError " + CORPUS["rich link"],
            by=OPERATOR,
        )
    )
    out = files(session)
    name = next(n for n in out if n.endswith("_investigation_summary.md"))
    summary = out[name]
    assert summary.startswith("# Investigation Summary: INC-")
    changes = summary.split("### Timeline of changes", 1)[1].split("###", 1)[0]
    assert "tracklist-service revision 8" in changes
    errors = summary.split("### Top error groups", 1)[1].split("###", 1)[0]
    assert "of tracklist-service" in errors and "KeyError" in errors
    assert "not read from the console (External dependencies was never opened)" in summary
    pinned = summary.split("### Pinned findings", 1)[1].split("###", 1)[0]
    assert "x200 KeyError" in pinned and "[link=" not in pinned.replace("\\[link=", "")
    assert "### Root Cause Hypothesis\n[To be filled by investigator" in summary
    assert "### Recommended Actions\n1. [Action item 1]" in summary


async def test_no_summary_when_nobody_investigated(tmp_path) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(60)).declare()
    assert not any(n.endswith("_investigation_summary.md") for n in files(session))


async def test_replay_shows_what_was_investigated_and_pinned_inert(tmp_path) -> None:
    from state.journal.replay import Replay

    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(120)).declare()
    await investigated(session, "changes")
    session.record(
        NoteAdded(
            at=session.clock.now(),
            text="Finding (What changed, Rollouts): " + CORPUS["clear screen"],
            by=OPERATOR,
        )
    )
    session.recorder.journal.close()
    with Journal.open(tmp_path / "j.warroom", read_only=True) as journal:
        replay = Replay(journal)
        state = replay.seek(replay.end)
    texts = [e.text for e in state.timeline]
    investigated_ = [t for t in texts if t.startswith("Investigated What changed by alice")]
    assert len(investigated_) == 1 and "tracklist-service revision 8" in investigated_[0]
    pinned = [t for t in texts if "Finding (What changed, Rollouts)" in t]
    assert len(pinned) == 1 and "\x1b" not in pinned[0]


async def test_reading_another_service_keeps_the_first_services_error_groups(tmp_path) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(120)).declare()
    other = next(s for s in session.cluster.services if s != "tracklist-service")
    await investigated(session, "errors", "tracklist-service")
    await session.arun(10)
    await investigated(session, "errors", "tracklist-service")  # read again: the latest stays
    await investigated(session, "errors", other)
    errors = files(session)
    summary = next(v for k, v in errors.items() if k.endswith("_investigation_summary.md"))
    errors_ = summary.split("### Top error groups", 1)[1].split("###", 1)[0]
    assert errors_.count("As read of tracklist-service at ") == 1
    assert f"As read of {other} at " in errors_
    first = errors_.split(f"As read of {other} at ", 1)[0]  # the first service read first
    assert "As read of tracklist-service" in first
    assert "KeyError" in first and "TracklistSerializer" in first  # the root cause stays
