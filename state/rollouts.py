"""A Deployment's rollout as `kubectl rollout status` tells it: going, complete, stalled, paused.

The probe reads `rollout` (None when complete, else "progressing", "paused" or
"ProgressDeadlineExceeded") and the counts kubectl's status viewer reads (spec.replicas as
`desired`, status.updatedReplicas, status.replicas, status.availableReplicas). Source of
the rule: kubectl pkg/polymorphichelpers/rollout_status.go, DeploymentStatusViewer.Status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from state.events import DeploymentStatus

STALLED = "ProgressDeadlineExceeded"
# how the end of a rollout is told (SessionStarted.rollout_rules): 1 (a journal that does not
# say) tells "rollout of revision N complete (3/3 updated and available)" and, when its
# replicas were not all ready at the sample before, "all 3 replicas ready" beside it: one
# fact told twice; 2 tells it once, in kubectl rollout status's terms (its "successfully
# rolled out" is the rollout complete), and "all N replicas ready" only when no line of the
# sample said its replicas are all available (a scale, pods back without a rollout)
ROLLOUT_RULES = 2


def counted(deployment: DeploymentStatus) -> bool:
    """Whether the sample holds the rollout's counts: journals kept before they were read hold
    only `updated` and the word, and tell a new revision as 'rolled out' (their old wording)."""
    return deployment.replicas is not None and deployment.available is not None


def waiting_for(deployment: DeploymentStatus) -> str | None:
    """What a rollout that is not complete waits for, in the order and words of kubectl's
    status viewer: '1 of 3 new replicas updated', '1 old replica pending termination',
    '2 of 3 updated replicas available', or 'the new spec to be observed' (the controller
    has not seen it yet). None when the counts are not known or say it is complete."""
    if not counted(deployment):
        return None
    d, old = deployment, (deployment.replicas or 0) - deployment.updated
    if d.updated < d.desired:
        return f"{d.updated} of {d.desired} new replicas updated"
    if old > 0:
        return f"{old} old replica{'' if old == 1 else 's'} pending termination"
    if (d.available or 0) < d.updated:
        return f"{d.available} of {d.updated} updated replicas available"
    return "the new spec to be observed" if d.rollout is not None else None


def _with(reason: str | None) -> str:
    return f" ({reason})" if reason else ""


def _standing(d: DeploymentStatus) -> str:
    """How a rollout that is not complete stands, after 'rollout of revision N': ' stalled:
    ProgressDeadlineExceeded (…)', ' paused (…)' or ' not complete (…)'."""
    if d.rollout == STALLED:
        return f" stalled: {STALLED}{_with(waiting_for(d))}"
    if d.rollout == "paused":
        return f" paused{_with(waiting_for(d))}"
    return f" not complete{_with(waiting_for(d))}"


def state_of(deployment: DeploymentStatus) -> str | None:
    """Where its rollout stands when not complete, for a check that must not pass it:
    'rollout of revision 9 not complete (1 old replica pending termination)',
    '... stalled: ProgressDeadlineExceeded', '... paused (1 of 3 new replicas updated)'.
    None when complete."""
    if deployment.rollout is None:
        return None
    return f"rollout of revision {deployment.revision}{_standing(deployment)}"


def again(d: DeploymentStatus) -> str:
    """A Deployment whose replicas are all available again, no rollout under way: "3/3
    available again (revision 9)"."""
    return f"{d.available}/{d.desired} available again (revision {d.revision})"


def all_available(text: str, d: DeploymentStatus) -> bool:
    """Whether a line of `changes` of `d` says its replicas are all available: its rollout
    complete, or its replicas available again with none rolling out."""
    return text.endswith((_complete(d), again(d)))


def _complete(d: DeploymentStatus) -> str:
    return (
        f"rollout of revision {d.revision} complete ({d.updated}/{d.desired} updated and available)"
    )


def under_way(rolling: int | None, was: DeploymentStatus | None, now: DeploymentStatus) -> bool:
    """Is a rollout of `now`'s revision under way (ConsoleState.rollouts)? From the sample its
    revision moved until it is complete; for a Deployment first seen mid-way, when more than
    availability is missing (replicas to update or old ones to end: a scale looks the same).
    Not when only its updated replicas are unavailable with no new revision (a crash loop, a
    node lost): kubectl calls that "not complete" too, but nothing is being rolled out.
    `rolling`: the revision known to be rolling out before `now`, None if none."""
    if now.rollout is None or not counted(now):
        return False
    if was is None:
        return now.updated < now.desired or (now.replicas or 0) > now.updated
    return now.revision != was.revision or rolling == now.revision


def changes(
    name: str, was: DeploymentStatus, now: DeploymentStatus, rolling: bool | None = None
) -> Iterator[tuple[str, str]]:
    """(text, tone) of what a person should read on the timeline when a Deployment named
    `name` (already made inert) goes from sample `was` to `now`: a new revision rolling out,
    its rollout complete, stalled, paused or going again. Each is said as it happens, once.
    `rolling`: whether a rollout was under way at `was` (`under_way`); None when not known (a
    state of a journal kept before it was), so that a rollout's end reads as it did then."""
    moved = now.revision != was.revision
    if not counted(now):  # a journal kept before the counts were read: its old wording
        if moved:
            yield f"{name} rolled out revision {now.revision} (was {was.revision})", "warn"
        return
    if moved and now.rollout is None:  # begun and done between two refreshes
        yield (
            f"{name}: rolled out revision {now.revision} (was {was.revision}); " + _complete(now),
            "warn",
        )
        return
    if moved:
        yield f"{name}: rolling out revision {now.revision} (was {was.revision})", "warn"
    elif now.rollout == was.rollout:
        return
    what = f"{name}: rollout of revision {now.revision}"
    match now.rollout:
        case None:
            # not after a spec change the controller had only to observe (a scale, a label):
            # that rollout was never told as begun
            if was.rollout is None or waiting_for(was) == "the new spec to be observed":
                return
            if rolling is False:  # its replicas back, with no rollout: not "complete"
                yield f"{name}: {again(now)}", "good"
            else:
                yield f"{name}: {_complete(now)}", "good"
        case "ProgressDeadlineExceeded":
            yield f"{what}{_standing(now)}", "bad"
        case "paused":
            yield f"{what}{_standing(now)}", "warn"
        case _ if not moved and was.rollout in (STALLED, "paused"):
            yield f"{what} going again{_with(waiting_for(now))}", "info"
