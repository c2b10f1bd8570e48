"""Talking to Prometheus through prometheus-api-client's PrometheusConnect: its session, the
threads its blocking calls run in, and each reply checked before the library reads it.

PrometheusConnect is synchronous (requests), so every call runs in a small pool of our own,
as the Kubernetes client's do (probes/kubernetes/client.py): a hung Prometheus never blocks
the UI's loop. Each worker thread has its own PrometheusConnect, because a requests Session
is not promised to be safe across threads.

Every reply passes a requests response hook (`_check`) before the library reads it. The hook
raises PrometheusError with the console's one line (auth denied, `Prometheus bad_data: ...`,
`HTTP 503 from Prometheus`, `malformed reply from Prometheus: ...`): the library's own error
is `HTTP Status Code 422 (b'...')`, a repr of the body, and on 200 it reads `data.result`
without looking at `status` or `resultType`. A redirect is refused there, never followed: it
would carry the headers (a token) to another host. Retries are off: the next refresh is the
retry, and a hidden one would double the wait (the library retries 5xx three times).
"""

from __future__ import annotations

import asyncio
import functools
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from probes.http import public_url, refused, resolver_error
from probes.prometheus.reply import PrometheusError, reply_data, result_kind
from probes.threads import DaemonThreads
from state.text import inert

T = TypeVar("T")
WORKERS = 4  # the instant query, the baseline, the range query, and one to spare
USER_AGENT = "warroom-prometheus"
_KINDS = {"query": ("vector", "scalar"), "query_range": ("matrix",)}
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


class PrometheusUnreachable(PrometheusError):
    """No HTTP answer at all: refused, unresolvable, or too slow."""


class PrometheusSlow(PrometheusUnreachable):
    """No answer within the timeout: Prometheus may be up, and the query too costly."""


def host_of(url: str) -> str:
    """host:port of a URL, for messages: no scheme, path or credentials."""
    rest = public_url(url).split("://", 1)[-1]
    return rest.split("/", 1)[0] or rest


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc`, the exceptions in its args (requests wraps urllib3's there), and their causes."""
    out: list[BaseException] = []
    todo = [exc]
    while todo and len(out) < 16:
        e = todo.pop(0)
        if e in out:
            continue
        out.append(e)
        todo += [a for a in e.args if isinstance(a, BaseException)]
        todo += [c for c in (e.__cause__, e.__context__) if c is not None]
        reason = getattr(e, "reason", None)  # urllib3's MaxRetryError
        if isinstance(reason, BaseException):
            todo.append(reason)
    return out


def _timed_out(exc: BaseException) -> bool:
    import requests
    from urllib3 import exceptions as u

    if isinstance(exc, requests.Timeout):
        return True
    # a body that stops coming is a ConnectionError around urllib3's ReadTimeoutError; urllib3
    # counts a refused connection (NewConnectionError) as a ConnectTimeoutError too
    return any(
        isinstance(e, u.ReadTimeoutError | TimeoutError)
        or (isinstance(e, u.ConnectTimeoutError) and not isinstance(e, u.NewConnectionError))
        for e in _chain(exc)
    )


def _cause(exc: BaseException) -> str:
    """Why a connection failed, in fixed words: an exception's text may quote the URL."""
    import requests

    unresolved = resolver_error(exc)
    if unresolved is not None:
        return f"cannot resolve the host ({_ERRNO.sub('', inert(unresolved))})"
    if refused(exc) or any(isinstance(e, ConnectionRefusedError) for e in _chain(exc)):
        return "connection refused"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error (check prometheus.ca_file, or the URL's scheme)"
    if any(isinstance(e, ConnectionResetError) for e in _chain(exc)):
        return "connection reset"
    return "cannot connect"


def unreachable(exc: Exception, where: str, timeout: float) -> PrometheusError:
    """`exc`, raised by requests or the library, as the one line the console shows."""
    import requests

    if _timed_out(exc):
        return PrometheusSlow(f"Prometheus at {where} did not answer within {timeout:g} s")
    if isinstance(exc, requests.ConnectionError):
        return PrometheusUnreachable(f"cannot reach Prometheus at {where}: {_cause(exc)}")
    # other errors' text may quote the request; the class name is enough to act on
    return PrometheusUnreachable(f"request to Prometheus at {where} failed: {type(exc).__name__}")


def environment_settings(url: str, verify: bool | str) -> dict[str, Any]:
    """What requests reads from the environment at every request to `url`, read by requests'
    own functions: the proxies (HTTP(S)_PROXY, ALL_PROXY, unless NO_PROXY covers the host),
    the CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, when the config leaves verification
    on) and ~/.netrc's credentials for the host, as {"proxies", "verify", "auth"}."""
    import requests

    settings = requests.Session().merge_environment_settings(url, {}, None, verify, None)
    auth = requests.utils.get_netrc_auth(url)
    return {"proxies": settings["proxies"], "verify": settings["verify"], "auth": auth}


class Prometheus:
    """One Prometheus server: its URL, headers (secret values), timeout and TLS options.

    `verify`: True checks the server's certificate against the system's CAs, a path against
    that CA bundle, False not at all. Queries return the `data` of the reply, already checked
    up to its `result` (reply.query_result checks the rest).
    """

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 2.0,
        verify: bool | str = True,
    ) -> None:
        self.url = url.rstrip("/")
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self.timeout = timeout
        self.verify = verify
        self.where = inert(host_of(self.url), limit=80)
        self._local = threading.local()
        self._apis: list[Any] = []
        self._lock = threading.Lock()
        self._pool: DaemonThreads | None = None
        self._environment: dict[str, Any] | None = None

    # ---- in a worker thread ------------------------------------------------------------------

    def _api(self) -> Any:
        """This thread's PrometheusConnect, made on first use (importing requests here)."""
        api = getattr(self._local, "api", None)
        if api is None:
            import requests
            from prometheus_api_client import PrometheusConnect
            from urllib3.util.retry import Retry

            if self.verify is False:  # chosen in the config (verify_tls = false), and
                # `warroom check` says so: a warning per request would write over the screen
                import urllib3

                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            session = requests.Session()
            # the environment once per probe, not at every request: requests walked the
            # whole of it three times a request, a third of an instant query's CPU (0.3 of
            # 1.0 ms); the environment of a running console does not change
            with self._lock:
                if self._environment is None:
                    self._environment = environment_settings(self.url, self.verify)
            session.trust_env = False
            # None, not {}, where nothing is set: requests merges a request's dict with the
            # session's at every request (an OrderedDict of both, through a runtime check
            # of a typing Protocol: ~26 us each, three a query); our headers are the
            # session's, so the library passes none of its own to merge
            session.proxies = self._environment["proxies"] or None  # type: ignore[assignment]
            session.params = None  # type: ignore[assignment]
            session.headers.update(self.headers)
            session.verify = self._environment["verify"]
            session.auth = self._environment["auth"]
            session.hooks["response"].append(self._check)
            api = PrometheusConnect(self.url, session=session, retry=Retry(0, read=False))
            self._local.api, self._local.session = api, session
            with self._lock:
                self._apis.append(api)
        return api

    def _check(self, resp: Any, *args: Any, **kwargs: Any) -> None:
        """requests response hook: raise unless the reply is a successful API reply."""
        data = reply_data(resp.status_code, resp.content)
        kinds = _KINDS.get(urlsplit(resp.url).path.rsplit("/api/v1/", 1)[-1])
        # a query's result is what the library returns; its resultType, only the reply says
        self._local.kind = result_kind(data, kinds) if kinds else None
        self._local.data = data

    def _call(
        self,
        fn: Callable[[Any, float], Any],
        read: Callable[[Any], T],
        timeout: float,
        shown: float,
    ) -> T:
        """`read` of the checked `data` of the reply to `fn(api, timeout)`, with the `result`
        the library returned for a query. Blocking: parsing stays off the UI's loop too."""
        self._local.kind = self._local.data = None
        try:
            returned = fn(self._api(), timeout)
        except PrometheusError:
            raise
        except Exception as exc:
            raise unreachable(exc, self.where, shown) from None
        kind, data = self._local.kind, self._local.data
        self._local.data = None  # a megabyte of range is not kept alive by the thread
        return read(data if kind is None else {"resultType": kind, "result": returned})

    # ---- on the loop -------------------------------------------------------------------------

    async def _in_thread(
        self, fn: Callable[[Any, float], Any], read: Callable[[Any], T], timeout: float | None
    ) -> T:
        shown = timeout or self.timeout
        if self._pool is None:
            self._pool = DaemonThreads(WORKERS, "warroom-prometheus")
        loop = asyncio.get_running_loop()
        # requests' timeout a little under ours, so the reason names Prometheus either way
        call = functools.partial(self._call, fn, read, shown * 0.9, shown)
        try:
            async with asyncio.timeout(shown * 0.9):
                return await loop.run_in_executor(self._pool, call)
        except TimeoutError:
            raise PrometheusSlow(
                f"Prometheus at {self.where} did not answer within {shown:g} s"
            ) from None

    async def query(
        self,
        promql: str,
        at: datetime,
        read: Callable[[Any], T],
        timeout: float | None = None,
    ) -> T:
        """`read` (in the worker thread) of an instant query's `data` at `at`: its resultType
        (vector or scalar) and result."""
        params = {"time": f"{at.timestamp():.3f}"}
        return await self._in_thread(
            lambda api, t: api.custom_query(promql, params=params, timeout=t), read, timeout
        )

    async def query_range(
        self,
        promql: str,
        start: int,
        end: int,
        step: int,
        read: Callable[[Any], T],
        timeout: float | None = None,
    ) -> T:
        """`read` (in the worker thread) of a range query's `data` (resultType matrix) over
        unix times [start, end] at `step` s: whole seconds, as the library rounds them."""
        first, last = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        return await self._in_thread(
            lambda api, t: api.custom_query_range(promql, first, last, str(step), timeout=t),
            read,
            timeout,
        )

    async def build_info(self) -> Any:
        """/api/v1/status/buildinfo's `data`, through the same session and checks."""
        url, headers = f"{self.url}/api/v1/status/buildinfo", self.headers
        return await self._in_thread(
            lambda _, t: self._local.session.get(url, headers=headers, timeout=t),
            lambda data: data,
            None,
        )

    async def close(self) -> None:
        with self._lock:
            apis, self._apis = self._apis, []
        for api in apis:
            api.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=False)
