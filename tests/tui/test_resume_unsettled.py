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
