"""A console stopped while an action ran (kill -9, a hang-up) journaled its request and no
outcome. The session that resumes the journal says, once, in red, that the action's outcome is
unknown, as it says of a Slack post left in flight; it never runs the action again."""

from __future__ import annotations

from state.events import ActionFinished, ActionRequested
from tests.opening import open_live
from tests.play import OPERATOR
from tests.tui.test_resume import journaled
from tui.app import WarroomApp
from tui.config import parse

CONFIG = {"cluster": {"services": ["tracklist-service"], "namespace": "tracktion"}}
UNKNOWN = "outcome unknown: the console stopped while it ran"


def requested(at, action_id: str, action: str, **params) -> ActionRequested:
    return ActionRequested(
        at=at, action_id=action_id, action=action, target="tracktion/tracklist-service",
        params=params, by=OPERATOR,
    )  # fmt: skip


def told(state) -> list:
    return [e for e in state.timeline if UNKNOWN in e.text]


async def test_an_action_with_no_outcome_is_told_unknown_once_on_resume(tmp_path) -> None:
    config = parse(CONFIG)
    path = tmp_path / "live.warroom"
    first = open_live(config, path, OPERATOR)
    now = first.clock.now()
    first.recorder.record(requested(now, "a1", "restart"))  # it finished: nothing to tell
    first.recorder.record(
        ActionFinished(at=now, action_id="a1", action="restart", ok=True, by=OPERATOR)
    )
    first.recorder.record(requested(now, "a2", "delete_failing_pods", pods=["p-1"]))
    first.recorder.journal.close()  # as a console killed while a2 ran leaves its journal

    again = open_live(config, path, "bob")
    lines = told(again.recorder.state)
    assert [e.text for e in lines] == [
        f"delete failing pods of tracktion/tracklist-service (requested "
        f"{now:%H:%M:%S}Z by {OPERATOR}): {UNKNOWN} (not run again)"
    ]
    assert lines[0].tone == "bad"
    app = WarroomApp(again.recorder, again.clock, operator="bob", watch_terminal=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        timeline = app.query_one("#timeline")._body.plain  # type: ignore[attr-defined]
        assert "outcome unknown" in timeline
    again.recorder.journal.close()

    third = open_live(config, path, "carol")  # told once: a later resume does not repeat it
    assert len(told(third.recorder.state)) == 1
    third.recorder.journal.close()
    assert [r.action_id for r in journaled(path, ActionRequested)] == ["a1", "a2"]  # not re-run
    assert [f.action_id for f in journaled(path, ActionFinished)] == ["a1"]


async def test_replay_and_the_export_say_the_same_unknown_outcome(tmp_path) -> None:
    """What the resumed console told, replay shows on its timeline and the review writes in
    its actions table, with the resume's time: never "no outcome" alone."""
    from state.journal.replay import Replay
    from state.journal.store import Journal
    from state.review.files import review_files
    from tui.replay import ReplayApp

    config = parse(CONFIG)
    path = tmp_path / "live.warroom"
    first = open_live(config, path, OPERATOR)
    now = first.clock.now()
    first.recorder.record(requested(now, "a2", "rollout_undo"))
    first.recorder.journal.close()
    again = open_live(config, path, "bob")
    resumed = again.clock.now()
    again.recorder.journal.close()

    replay = ReplayApp(Replay(Journal.open(path, read_only=True)))
    async with replay.run_test(size=(120, 40)) as pilot:
        await pilot.press("end")
        await pilot.pause()
        timeline = replay.query_one("#timeline")._body.plain  # type: ignore[attr-defined]
        assert f"undo rollout of tracktion/tracklist-service (requested {now:%H:%M:%S}Z" in timeline
        assert UNKNOWN in timeline
    with Journal.open(path, read_only=True) as journal:
        (md,) = [f.data.decode() for f in review_files(journal.events()) if f.name.endswith(".md")]
    assert (
        f"| unknown | {UNKNOWN} (said on resume at {resumed:%Y-%m-%dT%H:%M:%S}Z; not run again) |"
    ) in md
    assert "no outcome" not in md
