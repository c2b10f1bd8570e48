"""One kind of object in one namespace, listed once and then watched, as client-go's informers
(and so k9s) keep theirs: a refresh then costs what changed, not the size of the namespace.

The LIST runs when the probe asks (`relist`, in a worker thread, within the probe's timeout),
so its failure is the probe's failure, said in one line. The WATCH then runs in a thread of
its own through the official client's `kubernetes.watch.Watch`, from the list's
resourceVersion, with bookmarks, and resumes from the last version it saw each time the server
ends it. A 410 Gone (the version is too old for the server's watch cache) or any other failure
marks the informer stale: the probe's next refresh lists again, as an informer relists.

Replies are parsed from their JSON (`_preload_content=False`, `deserialize=False`), never into
the client's generated models, and each object is trimmed at once to the fields the panes read
(`trim`; a list's items one at a time, probes/kubernetes/listing.py), so memory holds what is
shown, not every manifest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from probes.kubernetes.client import Connection, KubernetesError, call, explain
from probes.kubernetes.listing import listed

Obj = dict[str, Any]
Trim = Callable[[Mapping[str, Any]], Obj]

# The server ends each watch after this many seconds and the informer resumes it from the last
# version seen; client-go picks 5-10 minutes. Shorter here, so a silently dead connection is
# found within a few minutes, never hours.
WATCH_SECONDS = 240
GONE = 410
RESUME_AFTER = 1.0  # seconds: the least time between two watches of one informer


class Informer:
    """A namespace's objects of one kind (by name), kept current by a watch.

    `items` and `generation` are read under `lock`; `generation` grows by one with every change,
    so a reader knows without comparing objects whether anything changed since it last looked.
    """

    def __init__(
        self,
        conn: Connection,
        what: str,
        list_fn: Callable[..., Any],
        trim: Trim,
        timeout: float,
        *,
        field_selector: str | None = None,
        watch_seconds: float = WATCH_SECONDS,
    ) -> None:
        self.conn, self.what, self.list_fn, self.trim = conn, what, list_fn, trim
        self.timeout, self.watch_seconds = timeout, watch_seconds
        self.query: dict[str, Any] = {"field_selector": field_selector} if field_selector else {}
        self.lock = threading.Lock()
        self.items: dict[str, Obj] = {}
        self.generation = 0
        self.lists = 0  # how many times the whole namespace was listed
        self.stale = True  # listed never, or the watch ended in a way only a relist mends
        self.why_stale: str | None = None  # the watch's failure, in one line
        self._version: str | None = None
        self._watching: tuple[threading.Event, Any] | None = None  # (stop, Watch) while one runs
        self._closed = threading.Event()

    # -- the list ---------------------------------------------------------------------------

    def relist(self) -> None:
        """LIST the namespace and replace every item; then (re)start the watch. Blocking.

        Raises KubernetesError, one line, when the list fails or its reply is malformed.
        """
        self._stop_watch()
        reply = call(
            self.conn,
            f"list {self.what}",
            self.list_fn,
            self.timeout,
            self.conn.namespace,
            _preload_content=False,
            **self.query,
        )
        try:
            items, version = listed(reply.data.decode(), self.trim)
        except Exception as exc:
            raise KubernetesError(
                explain(exc, f"list {self.what}", self.conn, self.timeout)
            ) from None
        finally:
            reply.release_conn()
        with self.lock:
            self.items = items
            self.generation += 1
            self.lists += 1
            self._version = str(version) if version else None
            self.stale, self.why_stale = False, None
        if not self._closed.is_set():
            stop, watch = threading.Event(), _raw_watch()
            self._watching = (stop, watch)
            threading.Thread(
                target=self._watch_until_stale,
                args=(stop, watch),
                name=f"warroom-watch-{self.what}",
                daemon=True,
            ).start()

    # -- the watch --------------------------------------------------------------------------

    def _watch_until_stale(self, stop: threading.Event, watch: Any) -> None:
        while not stop.is_set() and not self.stale:
            began = time.monotonic()
            try:
                for event in watch.stream(
                    self.list_fn,
                    self.conn.namespace,
                    resource_version=self._version,
                    allow_watch_bookmarks=True,
                    timeout_seconds=int(self.watch_seconds),
                    _request_timeout=(self.timeout, self.watch_seconds + self.timeout),
                    **self.query,
                ):
                    self._apply(stop, event)
            except Exception as exc:
                if not stop.is_set():
                    self._ended(exc)
            if time.monotonic() - began < RESUME_AFTER:  # a server that ends watches at once
                stop.wait(RESUME_AFTER)  # is asked again each second, not in a tight loop

    def _apply(self, stop: threading.Event, event: Mapping[str, Any]) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        meta = obj.get("metadata") or {}
        if kind == "ERROR":  # Watch raises for these itself; a Status with its code
            raise _StatusError(obj.get("code"), obj.get("message"))
        with self.lock:
            if stop.is_set():  # a watch being stopped: the relist has the newer state
                return
            version = meta.get("resourceVersion")
            if version:
                self._version = str(version)
            name = meta.get("name")
            if kind == "BOOKMARK" or not name:
                return
            if kind == "DELETED":
                self.items.pop(name, None)
            else:  # ADDED, MODIFIED
                self.items[name] = self.trim(obj)
            self.generation += 1

    def _ended(self, exc: BaseException) -> None:
        """The watch failed: a read timeout resumes it; anything else leaves a relist to do."""
        from urllib3.exceptions import ReadTimeoutError

        if isinstance(exc, ReadTimeoutError):  # no event nor bookmark for a while: resume
            return
        status = getattr(exc, "status", None) or getattr(exc, "code", None)
        why = (
            None if status == GONE else explain(exc, f"watch {self.what}", self.conn, self.timeout)
        )
        with self.lock:
            self.stale, self.why_stale = True, why

    def _stop_watch(self) -> None:
        if self._watching is not None:
            (stop, watch), self._watching = self._watching, None
            with self.lock:
                stop.set()
            watch.stop()  # shuts the socket: the thread's read returns at once

    def close(self) -> None:
        """End the watch; the informer is not used again."""
        self._closed.set()
        self._stop_watch()

    def snapshot(self) -> tuple[int, dict[str, Obj]]:
        """(generation, a copy of the items by name), consistent with each other."""
        with self.lock:
            return self.generation, dict(self.items)


def _raw_watch() -> Any:
    """A kubernetes.watch.Watch whose events carry the server's JSON, never a model.

    With no return type the client parses each line with json and stops there, and still
    turns an ERROR event into an ApiException with the Status's code (410 among them);
    `deserialize=False` would skip that and fail on the ERROR event instead.
    """
    from kubernetes.watch import Watch

    class RawWatch(Watch):
        def get_return_type(self, func: Any) -> None:
            return None

    return RawWatch()


class _StatusError(Exception):
    def __init__(self, code: Any, message: Any) -> None:
        super().__init__(message)
        self.code = code
