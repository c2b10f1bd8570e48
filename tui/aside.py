"""Work done aside, in a forked child, while this process goes on: live's config is validated
(pydantic, the config's models, the kubeconfig's context) on the other core while Textual and
the widgets load here, so the first frame waits for the longer of the two, not their sum.

The child only computes and returns a JSON value through a pipe; it never prints, never touches
the terminal and ends with `os._exit`. Whatever goes wrong aside (no fork on this platform, a
process with other threads, which a fork could deadlock, a child that died or answered nothing
readable), the work is done here instead, as it would have been without the child.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

Json = Any  # what json.dumps takes and json.loads gives back


def aside(work: Callable[[], Json]) -> Callable[[], Json]:
    """Start `work()` in a forked child now; the returned function gives its value (waiting
    for the child if need be). In: a callable of no arguments whose value is JSON-able and
    which prints nothing. Out: that value, from the child or, failing it, from `work()` here.
    """
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return _done_here(work)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, answer, end without running the parent's exit handlers
        try:
            os.close(read)
            payload = json.dumps({"value": work()}).encode()
        except BaseException:  # the parent will do it itself, and say what is wrong
            payload = b"{}"
        try:
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write)

    def result() -> Json:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        try:
            answer = json.loads(data)
        except ValueError:
            answer = {}
        return answer["value"] if "value" in answer else work()

    return result


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
