"""Loopback receivers that answer as Slack, PagerDuty and Statuspage do, errors included.

Each records every request and answers from a script first (`then(...)`), then as the
real API would. A scripted reply may `hold`: the request is taken (and, with `apply`,
acted on) but never answered until the test releases it, which is how a test kills a
client between "sent" and "heard back". One may `delay`: the request is acted on at once
and answered as the API would, but only after that many seconds, past a client's timeout;
or `drop` it: act on it and close the connection unanswered.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers.loopback import Loopback, reply


@dataclass
class Reply:
    status: int | None = None  # None: answer as the API would
    body: Any = b""  # bytes, str, or JSON-able
    headers: dict[str, str] = field(default_factory=dict)
    hold: bool = False  # take the request, never answer it (until released)
    apply: bool = False  # with hold: act on it first (the API did the work, the reply is lost)
    delay: float = 0.0  # act on it now, answer as the API would this many seconds later
    drop: bool = False  # act on it, then close the connection without a word
    # with status: after `body`, this many more bytes ('x'), or without end (-1), the body
    # ended by closing the connection (no Content-Length), as a proxy's stream or a download
    stream: int = 0


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    answered: int | None = None  # the status sent back; None while held or never

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver(Loopback):
    """A loopback server answering as one of the APIs; subclasses implement `answer`."""

    METHODS = ("GET", "POST", "PUT", "PATCH")

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.script: list[Reply] = []
        self.arrived = threading.Condition()
        self.streamed = 0  # bytes of streamed bodies written into the connection
        super().__init__()

    def then(self, *replies: Reply) -> Receiver:
        self.script.extend(replies)
        return self

    def answer(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def answered(self, status: int | None = None) -> list[Request]:
        return [r for r in self.requests if r.answered is not None and status in (None, r.answered)]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until `count` requests have arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=handler.rfile.read(length) if length else b"",
        )
        with self.arrived:
            self.requests.append(request)
            scripted = self.script.pop(0) if self.script else Reply()
            self.arrived.notify_all()
        if scripted.hold or scripted.drop:
            if scripted.apply or scripted.drop:
                self.answer(request)
            if scripted.hold:
                self.released.wait(30)  # bounded: a stuck test still ends
            return  # the connection closes unanswered
        if scripted.status is None:
            status, body, headers = self.answer(request)
        else:
            status, body, headers = scripted.status, scripted.body, scripted.headers
        if scripted.delay:
            self.released.wait(scripted.delay)  # the work is done; the reply comes late
        if isinstance(body, str):
            data, kind = body.encode(), "text/plain"
        elif isinstance(body, bytes):
            data, kind = body, "text/plain"
        else:
            data, kind = json.dumps(body).encode(), "application/json"
        # marked before the reply goes out: a client that has read it may go on at once, and a
        # test that then asks what was answered must find it
        request.answered = status
        try:
            if scripted.stream:
                self._stream(handler, status, data, headers, scripted.stream)
            else:
                reply(handler, status, data, kind, headers)
        except OSError:  # a client that gave up waiting closed the connection: never heard
            request.answered = None if not scripted.stream else status

    def _stream(
        self, handler: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict, more: int
    ) -> None:
        """Answer `status`, then `data` and `more` bytes (-1: until the client hangs up)."""
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Connection", "close")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
        chunk = b"x" * 65536  # one object written again and again: the test's memory stays flat
        left = more
        while left:
            part = chunk if left < 0 or left >= len(chunk) else chunk[:left]
            handler.wfile.write(part)
            self.streamed += len(part)
            left = left - len(part) if left > 0 else left
        handler.close_connection = True


# ---- Slack incoming webhooks ---------------------------------------------------------------------


class SlackReceiver(Receiver):
    """POST JSON to /services/T…/B…/<token>: 200 "ok", or Slack's status and error word."""

    TOKEN = "xoxTESTwebhookTOKEN0123456789"
    PATH = f"/services/T0000TEST/B0000TEST/{TOKEN}"

    def __init__(self) -> None:
        super().__init__()
        self.channel: list[dict] = []  # what the channel shows: every message Slack took

    @property
    def webhook_url(self) -> str:
        return self.url + self.PATH

    def answer(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.method != "POST" or request.path != self.PATH:
            return 404, "no_service", {}
        try:
            data = request.json
        except ValueError:
            return 400, "invalid_payload", {}
        if not isinstance(data, dict) or not (data.get("text") or data.get("blocks")):
            return 400, "no_text", {}
        self.channel.append(data)
        return 200, "ok", {}

    def posted(self) -> list[dict]:
        """Bodies of the messages Slack accepted (answered 200)."""
        return [r.json for r in self.answered(200)]


# ---- PagerDuty -----------------------------------------------------------------------------------


class PagerDutyReceiver(Receiver):
    """Events API v2 at /v2/enqueue and the REST API's incidents, deduplicating by dedup_key."""

    ROUTING_KEY = "R0UT1NGKEYTEST0123456789abcdef01"  # 32 characters, as PagerDuty's
    API_TOKEN = "u+PDTESTtoken-0123456789"
    ESCALATION_RULES = 3  # levels the service's escalation policy has

    def __init__(self) -> None:
        super().__init__()
        self.alerts: dict[str, dict[str, Any]] = {}  # dedup_key -> incident
        self.hidden_lookups = 0  # this many REST lookups find nothing (the trigger is async)

    @property
    def events_url(self) -> str:
        return self.url + "/v2/enqueue"

    def answer(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.path == "/v2/enqueue" and request.method == "POST":
            return self._event(request)
        if request.path.startswith("/incidents"):
            return self._rest(request)
        return 404, {"error": {"message": "Not Found", "code": 2100}}, {}

    def _event(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        try:
            event = request.json
        except ValueError:
            return 400, self._invalid("Event object is invalid"), {}
        errors = []
        if len(event.get("routing_key", "")) != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        action = event.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append(
                "'event_action' is invalid (must be one of trigger, acknowledge, resolve)"
            )
        if action == "trigger":
            payload = event.get("payload") or {}
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"'payload.{name}' is missing or blank")
            if payload.get("severity") not in (None, "critical", "error", "warning", "info"):
                errors.append("'payload.severity' is invalid")
        if errors:
            return 400, self._invalid("Event object is invalid", errors), {}
        key = event.get("dedup_key") or f"generated-{len(self.requests)}"
        if action == "trigger" and key not in self.alerts:
            self.alerts[key] = {
                "id": f"PINC{len(self.alerts) + 1:03d}",
                "incident_key": key,
                "status": "triggered",
                "escalation_level": 1,
                "triggers": 0,
            }
        if action == "trigger":
            self.alerts[key]["triggers"] += 1
        if action == "resolve" and key in self.alerts:
            self.alerts[key]["status"] = "resolved"
        if action == "acknowledge" and key in self.alerts:
            self.alerts[key]["status"] = "acknowledged"
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}, {}

    @staticmethod
    def _invalid(message: str, errors: list[str] | None = None) -> dict[str, Any]:
        return {"status": "invalid event", "message": message, "errors": errors or []}

    def _rest(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.headers.get("authorization") != f"Token token={self.API_TOKEN}":
            return 401, {"error": {"message": "Unauthorized", "code": 2006}}, {}
        if request.method == "GET" and request.path == "/incidents":
            if self.hidden_lookups > 0:
                self.hidden_lookups -= 1
                return 200, {"incidents": [], "limit": 25, "offset": 0, "more": False}, {}
            key = (request.query.get("incident_key") or [""])[0]
            wanted = request.query.get("statuses[]") or ["triggered", "acknowledged", "resolved"]
            found = [
                {k: v for k, v in a.items() if k != "triggers"}
                for a in self.alerts.values()
                if a["incident_key"] == key and a["status"] in wanted
            ]
            return 200, {"incidents": found, "limit": 25, "offset": 0, "more": False}, {}
        if request.method == "PUT":
            if not request.headers.get("from"):
                message = "You must specify a user's email address in the From header"
                return 400, {"error": {"message": message, "code": 2001}}, {}
            pd_id = request.path.rsplit("/", 1)[-1]
            incident = next((a for a in self.alerts.values() if a["id"] == pd_id), None)
            if incident is None:
                return 404, {"error": {"message": "Not Found", "code": 2100}}, {}
            body = request.json.get("incident", {})
            level = body.get("escalation_level")
            if not isinstance(level, int) or not 1 <= level <= self.ESCALATION_RULES:
                error = {
                    "message": "Invalid Input Provided",
                    "code": 2001,
                    "errors": ["Escalation level is out of bounds"],
                }
                return 400, {"error": error}, {}
            incident["escalation_level"] = level
            return 200, {"incident": {k: v for k, v in incident.items() if k != "triggers"}}, {}
        return 404, {"error": {"message": "Not Found", "code": 2100}}, {}


# ---- Atlassian Statuspage ------------------------------------------------------------------------


class StatuspageReceiver(Receiver):
    """/v1/pages/<page>/incidents: create (201), list unresolved, PATCH (200); OAuth key."""

    PAGE_ID = "kctbh9vrtdwd"
    API_KEY = "2a7b9d4aac30956d537ac76850f4d78de30994703680056cc103862d53cf8074"
    STATUSES = ("investigating", "identified", "monitoring", "resolved")
    COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")

    def __init__(self) -> None:
        super().__init__()
        self.incidents: dict[str, dict[str, Any]] = {}
        self.echo_metadata = True  # False: a page whose API leaves metadata out of replies

    def answer(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.headers.get("authorization") != f"OAuth {self.API_KEY}":
            return 401, {"error": "Could not authenticate"}, {}
        base = f"/v1/pages/{self.PAGE_ID}/incidents"
        if not request.path.startswith(base):
            return 404, {"error": "Not found"}, {}
        rest = request.path[len(base) :].strip("/")
        if request.method == "GET" and rest == "unresolved":
            found = [self._shown(i) for i in self.incidents.values() if i["status"] != "resolved"]
            return 200, found, {}
        if request.method == "POST" and rest == "":
            fields = request.json.get("incident", {})
            problem = self._invalid(fields, creating=True)
            if problem:
                return 422, {"error": [problem]}, {}
            incident_id = f"p31zjtct2{len(self.incidents) + 1:03d}"
            self.incidents[incident_id] = {
                "id": incident_id,
                "name": fields["name"],
                "status": fields.get("status", "investigating"),
                "metadata": fields.get("metadata", {}),
                "components": dict(fields.get("components", {})),
                "updates": [fields.get("body", "")],
            }
            return 201, self._shown(self.incidents[incident_id]), {}
        if request.method == "PATCH" and rest in self.incidents:
            fields = request.json.get("incident", {})
            problem = self._invalid(fields, creating=False)
            if problem:
                return 422, {"error": [problem]}, {}
            incident = self.incidents[rest]
            incident["status"] = fields.get("status", incident["status"])
            incident["components"].update(fields.get("components", {}))
            incident["updates"].append(fields.get("body", ""))
            return 200, self._shown(incident), {}
        return 404, {"error": "Not found"}, {}

    def _invalid(self, fields: dict[str, Any], creating: bool) -> str:
        if creating and not fields.get("name"):
            return "Name can't be blank"
        if fields.get("status", "investigating") not in self.STATUSES:
            return "Status is not included in the list"
        bad = [s for s in fields.get("components", {}).values() if s not in self.COMPONENT_STATUSES]
        return "Component status is not included in the list" if bad else ""

    def _shown(self, incident: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in incident.items() if k != "updates"}
        if not self.echo_metadata:
            shown.pop("metadata", None)
        return shown


def wait_until(check, timeout: float = 10.0) -> bool:
    """Poll `check` until it is true, for state a receiver's threads change."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return bool(check())
