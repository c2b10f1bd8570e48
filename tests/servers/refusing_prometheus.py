"""A loopback Prometheus stand-in that answers instant queries and refuses range queries the
way real servers do, until the step is coarse enough (or always, or by hanging).

The refusals are Prometheus's own replies: 422 `execution` "query processing would load too
many samples into memory in query execution" (--query.max-samples), and 400 `bad_data`
"exceeded maximum resolution of 11,000 points per timeseries" (a range over 11,000 steps).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from tests.servers.loopback import Loopback, reply

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

TOO_MANY_SAMPLES = (
    422,
    "execution",
    "query processing would load too many samples into memory in query execution",
)
TOO_MANY_POINTS = (
    400,
    "bad_data",
    "exceeded maximum resolution of 11,000 points per timeseries. "
    "Try decreasing the query resolution (?step=XX)",
)


class RefusingPrometheus(Loopback):
    """Instant queries: `values` ({service: value}) as a vector. Range queries: `refusal`
    while the step is under `accept_step` seconds (None: always), else each service's value
    at every step; with `hang`, no answer at all. `steps` lists every range query's step."""

    def __init__(
        self,
        values: dict[str, float],
        refusal: tuple[int, str, str] = TOO_MANY_SAMPLES,
        accept_step: float | None = None,
        hang: bool = False,
    ) -> None:
        self.values, self.refusal, self.accept_step, self.hang = values, refusal, accept_step, hang
        self.steps: list[float] = []
        self.instants = 0
        super().__init__()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/api/v1/query":
            self.instants += 1
            at = float(params.get("time", "0"))
            result = [
                {"metric": {"service": s}, "value": [at, str(v)]} for s, v in self.values.items()
            ]
            return self._send(handler, 200, {"resultType": "vector", "result": result})
        if url.path != "/api/v1/query_range":
            return self._send(handler, 404, None, ("bad_data", "not found"))
        step = float(params["step"])
        self.steps.append(step)
        if self.hang:
            self.released.wait(30)  # bounded: a stuck test still ends
            return None
        if self.accept_step is None or step < self.accept_step:
            status, kind, error = self.refusal
            return self._send(handler, status, None, (kind, error))
        start, end = float(params["start"]), float(params["end"])
        times = [start + i * step for i in range(int((end - start) / step) + 1)]
        result = [
            {"metric": {"service": s}, "values": [[t, str(v)] for t in times]}
            for s, v in self.values.items()
        ]
        return self._send(handler, 200, {"resultType": "matrix", "result": result})

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        data: object,
        error: tuple[str, str] | None = None,
    ) -> None:
        if error is None:
            body = {"status": "success", "data": data}
        else:
            body = {"status": "error", "errorType": error[0], "error": error[1]}
        reply(handler, status, json.dumps(body).encode(), "application/json")
