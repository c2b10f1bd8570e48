"""Work done aside, in a forked child, while this process goes on: live's config is validated
(pydantic, the config's models, the kubeconfig's context) in a child at a lower CPU priority
while Textual and the widgets load and draw here, so the first frame waits for neither.

The child only computes and returns a JSON value through a pipe; it never prints, never touches
the terminal and ends with `os._exit`. Its work failing (an error raised aside), or no fork to
be had (no fork on this platform, a process with other threads, which a fork could deadlock),
the work is done here instead, as it would have been without the child. A child that answers
nothing (killed, crashed) or nothing within the time given is said to have failed
(`AsideFailed`), never waited on forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

Json = Any  # what json.dumps takes and json.loads gives back

NICE = 10  # added to the child's niceness: the console's own start gets the core first


class AsideFailed(Exception):
    """The child gave no answer: killed, crashed, or past its time (the message says which)."""


class Aside:
    """`work()` started in a forked child: its value when asked (`result`, `answer`), or
    the work done here if the child's work raised. `close()` ends a child not yet asked."""

    def __init__(self, work: Callable[[], Json], nice: int = NICE) -> None:
        self._work = work
        self._pid = 0
        self._read = -1
        self._chunks: list[bytes] = []
        self._here: Callable[[], Json] | None = None
        if not hasattr(os, "fork") or threading.active_count() > 1:
            self._here = _done_here(work)
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, answer, end without running the parent's exit handlers
            try:
                os.close(read)
                # drawn on meanwhile: nothing of the child's (a library's warning) reaches it
                quiet = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(quiet, fd)
                if nice:
                    os.nice(nice)
                import json  # here and as the answer is read: not before the console's frame

                payload = json.dumps({"value": work()}).encode()
            except BaseException:  # the parent will do it itself, and say what is wrong
                payload = b"{}"
            try:
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(payload)
            finally:
                os._exit(0)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self, timeout: float) -> Json:
        """The value, waiting up to `timeout` seconds for the child (blocking). Raises
        AsideFailed for no answer, or what `work()` raises when done here."""
        if self._here is not None:
            return self._here()
        deadline = time.monotonic() + timeout
        while self._read >= 0:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                self.close()
                raise AsideFailed(f"gave no answer within {timeout:g} s")
            self._take()
        return self._value()

    async def answer(self, timeout: float) -> Json:
        """`result` without blocking the event loop: the pipe is read as it becomes readable."""
        if self._here is not None:
            return self._here()
        loop = asyncio.get_running_loop()
        ended = loop.create_future()
        fd = self._read

        def readable() -> None:
            if not self._take(close=False) and not ended.done():
                ended.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ended, timeout)
        except TimeoutError:
            loop.remove_reader(fd)
            self.close()
            raise AsideFailed(f"gave no answer within {timeout:g} s") from None
        except BaseException:  # cancelled: the console ended first (`close` ends the child)
            loop.remove_reader(fd)
            raise
        loop.remove_reader(fd)
        os.close(fd)
        self._read = -1
        return self._value()

    def close(self) -> None:
        """End and reap a child still at work (its answer no longer wanted); nothing if done."""
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0

    def _take(self, close: bool = True) -> bool:
        """Read what the pipe holds now; False at its end (then closed, with `close`)."""
        chunk = os.read(self._read, 65536)
        if chunk:
            self._chunks.append(chunk)
            return True
        if close:
            os.close(self._read)
            self._read = -1
        return False

    def _value(self) -> Json:
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        data = b"".join(self._chunks)
        if not data:  # killed or crashed before it could answer, whatever its work was
            raise AsideFailed(f"ended without an answer ({_how(status)})")
        import json

        try:
            answer = json.loads(data)
        except ValueError:
            answer = {}
        return answer["value"] if "value" in answer else self._work()


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"killed by {name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _done_here(work: Callable[[], Json]) -> Callable[[], Json]:
    """`work()` done now, in this process; its value, or its error, given when asked, as the
    child's would be."""
    try:
        value = work()
    except Exception as exc:
        error = exc

        def failed() -> Json:
            raise error

        return failed
    return lambda: value
