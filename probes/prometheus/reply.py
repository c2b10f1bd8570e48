"""The shape of a Prometheus HTTP API reply, checked in one place.

A reply with the right status and the wrong shape (a label set that is a string, a sample
that is an object, bare numbers in `result`, a matrix where a vector was asked for) is
refused with the path of the first wrong part, e.g.
`malformed reply from Prometheus: result[0].metric is not an object`, never with whatever
Python error the parsing would have raised. Shapes as the API documents them:
https://prometheus.io/docs/prometheus/latest/querying/api/#expression-query-result-formats
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic needs it, not typing.TypedDict, before 3.12

from state.text import inert


class PrometheusError(Exception):
    """One line a person can act on; never a header value or a URL's credentials."""


class MalformedReply(PrometheusError):
    """What is wrong with a reply, as one line: `malformed reply from Prometheus: <path> ...`."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"malformed reply from Prometheus: {inert(problem, limit=160)}")


def _sample_text(value: object) -> object:
    # Prometheus sends every sample value as a string ("1.5", "NaN", "+Inf"); a bare number or
    # a boolean there is a different API, not a value to guess at
    if not isinstance(value, str):
        raise ValueError("is not a number in a string")
    return value


SampleValue = Annotated[float, BeforeValidator(_sample_text)]
Sample = tuple[float, SampleValue]  # [unix time in s, value]


class Envelope(TypedDict):
    status: Literal["success"]
    data: Any


class InstantSeries(TypedDict):
    metric: dict[str, str]
    value: Sample


class RangeSeries(TypedDict):
    metric: dict[str, str]
    values: list[Sample]


_ENVELOPE: TypeAdapter[Envelope] = TypeAdapter(Envelope)
_RESULT: dict[str, TypeAdapter[Any]] = {
    "vector": TypeAdapter(list[InstantSeries]),
    "matrix": TypeAdapter(list[RangeSeries]),
    "scalar": TypeAdapter(Sample),
}

_SAYS = {
    "missing": "is missing",
    "dict_type": "is not an object",
    "typed_dict_type": "is not an object",
    "list_type": "is not a list",
    "tuple_type": "is not a [time, value] pair",
    "too_long": "is not a [time, value] pair",
    "float_type": "is not a number",
    "float_parsing": "is not a number",
    "string_type": "is not a string",
    "literal_error": 'is not "success"',
}


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(exc: ValidationError, prefix: Sequence[int | str] = ()) -> MalformedReply:
    """The first error of `exc` as a path and what is wrong there."""
    error = exc.errors(include_url=False, include_input=False)[0]
    if error["type"] == "value_error":
        says = str(error.get("ctx", {}).get("error", "is not valid"))
    else:
        says = _SAYS.get(error["type"], "is not valid")
    return MalformedReply(f"{_path([*prefix, *error['loc']]) or 'the reply'} {says}")


def envelope_data(body: object) -> Any:
    """The `data` of a successful reply's JSON `body`; MalformedReply if it has no such shape."""
    if not isinstance(body, dict):
        raise MalformedReply("the reply is not a JSON object")
    try:
        return _ENVELOPE.validate_python(body)["data"]
    except ValidationError as exc:
        raise _problem(exc) from None


def reply_data(code: int, content: bytes) -> Any:
    """The `data` of a Prometheus API reply with HTTP status `code` and body `content`, or
    PrometheusError with the reason there is none: auth denied (401, 403), Prometheus's own
    error (`Prometheus bad_data: parse error ...`), any other status, a body that is not JSON
    or not the API's envelope (MalformedReply)."""
    if code in (401, 403):
        raise PrometheusError(f"auth denied (HTTP {code}) from Prometheus: check its headers")
    try:
        body = json.loads(content)
    except ValueError:  # UnicodeDecodeError too
        body = None
    if isinstance(body, dict) and body.get("status") == "error":
        kind = inert(body.get("errorType") or "error", limit=40)
        text = str(body.get("error") or "no error text").removeprefix('invalid parameter "query": ')
        raise PrometheusError(f"Prometheus {kind}: {inert(text, limit=200)}")
    if 300 <= code < 400:  # never followed: it would carry the headers (a token) elsewhere
        raise PrometheusError(f"HTTP {code} from Prometheus: a redirect; check prometheus.url")
    if code != 200:
        raise PrometheusError(f"HTTP {code} from Prometheus")
    if body is None:
        raise PrometheusError("malformed reply from Prometheus: not JSON")
    return envelope_data(body)


def result_kind(data: object, kinds: Sequence[str]) -> str:
    """The resultType of a query's `data`, which must be one of `kinds` and come with a result.

    Raises MalformedReply naming the first part that is not so.
    """
    if not isinstance(data, dict):
        raise MalformedReply("data is not an object")
    kind = data.get("resultType")
    if kind is None:
        raise MalformedReply("resultType is missing")
    if kind not in kinds:
        shown = inert(kind, limit=20) if isinstance(kind, str) else "not a string"
        raise MalformedReply(f'resultType is "{shown}", not {" or ".join(kinds)}')
    if "result" not in data:
        raise MalformedReply("result is missing")
    return str(kind)


def query_result(data: object, kinds: Sequence[str]) -> tuple[str, Any]:
    """(resultType, result) of a query's `data`, whose resultType must be one of `kinds`.

    A vector's result is a list of {"metric": {label: value}, "value": (time, float)}, a
    matrix's of {"metric": ..., "values": [(time, float), ...]}, a scalar's one (time, float).
    Raises MalformedReply naming the first part that is not so.
    """
    kind = result_kind(data, kinds)
    assert isinstance(data, dict)  # result_kind said so
    try:
        return kind, _RESULT[kind].validate_python(data["result"])
    except ValidationError as exc:
        raise _problem(exc, ("result",)) from None
