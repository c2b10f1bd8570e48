"""`v`: check the guide's resolution criteria, then watch for stability on the clock."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from state.guide.resolution import CHECK_INTERVAL, STABLE_CHECKS, verify
from state.text import inert
from tui.base import KeyGroup

if TYPE_CHECKING:
    from datetime import datetime

    from textual.timer import Timer

MAX_CHECKS = 10  # the guide watches for 10 minutes at one check a minute


class VerificationKeys(KeyGroup):
    """`v`, on the console it records its checks to."""

    _watch_timer: Timer | None = None
    _streak = 0
    _checks = 0
    _failed: tuple[int, datetime, str] | None = None  # the last failed check: its number, when, why
    next_check_at: datetime | None = None  # on the console's clock, while watching

    @property
    def verifying(self) -> bool:
        return self._watch_timer is not None

    def watching(self, now: datetime) -> str | None:
        """While the watch runs: 'checking 2/5 good in a row · next check in 0:43 · stable
        at the earliest in 3:43' on the console's clock `now`, led by the check that set the
        count back, if one did: 'check 3 failed at 10:42:05 (tracklist-service error rate
        6.1% > 5%), counting again · checking 0/5 …'. None when the watch does not run."""
        if not self.verifying or self.next_check_at is None:
            return None
        left = max((self.next_check_at - now).total_seconds(), 0.0)
        stable = left + (STABLE_CHECKS - self._streak - 1) * CHECK_INTERVAL
        failed = ""
        if self._failed is not None:
            number, at, why = self._failed
            failed = f"check {number} failed at {at:%H:%M:%S} ({why}), counting again · "
        return (
            f"{failed}checking {self._streak}/{STABLE_CHECKS} good in a row · next check in "
            f"{_clock(left)} · stable at the earliest in {_clock(stable)}"
        )

    def action_verify(self) -> None:
        if self.console.open_incident() is None:
            return
        if self.verifying:
            self.console.notify(
                f"Already watching: {self._streak}/{STABLE_CHECKS} good checks in a row",
                markup=False,
            )
            return
        self._streak = self._checks = 0
        self._failed = None
        self.verification_step()

    def verification_step(self) -> None:
        """One check; the first failure ends it, later ones restart the count."""
        from state.events import VerificationChecked, VerificationFinished  # loaded on use

        self._watch_timer = self.next_check_at = None
        verdict = verify(self.console.recorder.state)
        self._checks += 1
        self._streak = self._streak + 1 if verdict.ok else 0
        now, by = self.console.now(), self.console.operator
        if not verdict.ok:
            self._failed = (self._checks, now, inert(verdict.text, 120))
        self.console.record(
            VerificationChecked(
                at=now,
                ok=verdict.ok,
                streak=self._streak,
                detail=verdict.text,
                by=by,
            )
        )
        if self._streak >= STABLE_CHECKS:
            detail = f"{STABLE_CHECKS} good checks in a row, {verdict.text}"
            self.console.record(VerificationFinished(at=now, stable=True, detail=detail, by=by))
        elif not verdict.ok and self._checks == 1:
            self.console.record(
                VerificationFinished(at=now, stable=False, detail=verdict.text, by=by)
            )
        elif self._checks >= MAX_CHECKS:
            detail = f"only {self._streak} good checks in a row after {MAX_CHECKS} checks"
            self.console.record(VerificationFinished(at=now, stable=False, detail=detail, by=by))
        else:
            self.next_check_at = now + timedelta(seconds=CHECK_INTERVAL)
            self._watch_timer = self.console.set_timer(
                CHECK_INTERVAL / self.console.speed, self.verification_step
            )


def _clock(seconds: float) -> str:
    """'4:05' from 245.0 seconds (rounded up: a countdown never says 0:00 early)."""
    whole = int(-(-seconds // 1))
    return f"{whole // 60}:{whole % 60:02d}"
