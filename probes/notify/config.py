"""Where messages go: the [notify] config. Secrets stay in the environment; this names them."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# a channel name is part of a message id ("INC-…:#incidents:3"), so no colon
_CHANNEL_NAME = re.compile(r"^[#A-Za-z0-9][A-Za-z0-9_.#-]{0,63}$")
Audience = Literal["team", "management", "executive"]


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError("name the environment variable that holds the secret, not the secret")
    return value


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^/\s:@]+(:\d+)?(/\S*)?$", value):
        raise ValueError("not an http(s) URL without credentials")
    return value.rstrip("/")


EnvName = Annotated[str, AfterValidator(_env_name)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlackChannel(_Section):
    """A Slack incoming webhook; the webhook URL is itself the secret."""

    type: Literal["slack"]
    webhook_env: EnvName
    audience: Literal["internal", "public"] = "internal"


class PagerDutyChannel(_Section):
    """Events API v2 with a routing key; optionally the REST API to set escalation levels."""

    type: Literal["pagerduty"]
    routing_key_env: EnvName
    events_url: HttpUrl = "https://events.pagerduty.com/v2/enqueue"
    source: str = "warroom"
    api_token_env: EnvName | None = None  # REST API token: escalations set escalation_level
    from_email: str | None = None  # the REST API's From header: a PagerDuty user's email
    api_url: HttpUrl = "https://api.pagerduty.com"
    audience: Literal["internal", "public"] = "internal"

    @model_validator(mode="after")
    def _rest_needs_from(self) -> PagerDutyChannel:
        if self.api_token_env and not self.from_email:
            raise ValueError("api_token_env needs from_email (the REST API's From header)")
        return self


class StatuspageChannel(_Section):
    """An Atlassian Statuspage page; `components` maps service names to component ids."""

    type: Literal["statuspage"]
    page_id: str = Field(pattern=r"^[A-Za-z0-9]+$")
    api_key_env: EnvName
    api_url: HttpUrl = "https://api.statuspage.io"
    components: dict[str, str] = Field(default_factory=dict)
    audience: Literal["internal", "public"] = "public"


class SinkChannel(_Section):
    """Delivers locally (a JSON line per message in `path`, if given): demos and drills."""

    type: Literal["sink"]
    path: Path | None = None
    audience: Literal["internal", "public"] = "internal"
    # the real channel a demo sink plays, so it is sent what that channel would be
    stands_for: Literal["slack", "pagerduty", "statuspage"] | None = None


Channel = Annotated[
    SlackChannel | PagerDutyChannel | StatuspageChannel | SinkChannel, Field(discriminator="type")
]
_CHANNEL: TypeAdapter[Channel] = TypeAdapter(Channel)


class NotifyConfig(_Section):
    """Channels, which of them a status update and each escalation audience use, and retries."""

    channels: dict[str, Channel] = Field(default_factory=dict)
    updates: list[str] = Field(default_factory=list)  # preselected for a status update
    escalation: dict[Audience, list[str]] = Field(default_factory=dict)
    max_attempts: int = Field(default=8, ge=1, le=100)
    # Bounded above too: an unbounded timeout waits on a hung receiver for ever, and a delay
    # past what a date holds cannot be scheduled. A status update a day late tells nobody.
    max_age: float = Field(default=1800.0, gt=0, le=86400)  # seconds a message may take
    backoff: float = Field(default=2.0, gt=0, le=3600)  # first retry delay, doubled each time
    backoff_cap: float = Field(default=300.0, gt=0, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=60)  # seconds per HTTP request

    @model_validator(mode="after")
    def _names(self) -> NotifyConfig:
        bad = [name for name in self.channels if not _CHANNEL_NAME.match(name)]
        if bad:
            raise ValueError(
                f"channel names may use letters, digits, # . _ - only: {', '.join(map(repr, bad))}"
            )
        used = [*self.updates, *(n for names in self.escalation.values() for n in names)]
        unknown = sorted({n for n in used if n not in self.channels})
        if unknown:
            raise ValueError(f"no such channel: {', '.join(unknown)}")
        public = sorted(
            {n for names in self.escalation.values() for n in names}
            & {n for n, c in self.channels.items() if c.audience == "public"}
        )
        if public:
            raise ValueError(f"escalations are internal; public channel: {', '.join(public)}")
        return self

    def escalation_channels(self, audience: str) -> list[str]:
        return list(self.escalation.get(audience, []))  # type: ignore[call-overload]


def plays(channel: Channel, kind: str) -> bool:
    """Whether `channel` is (or, a demo sink, stands for) a channel of type `kind`."""
    return channel.type == kind or getattr(channel, "stands_for", None) == kind


def parse(data: Mapping[str, Any]) -> NotifyConfig:
    """The [notify] table of the config file; raises pydantic's ValidationError."""
    return NotifyConfig.model_validate(dict(data))


def resendable(channel: Channel) -> bool:
    """Whether a second copy of a message is harmless here: PagerDuty folds it into one alert
    by dedup_key, Statuspage updates the incident it finds, a sink is local. A Slack webhook
    posts every copy, so a message that may have arrived is not sent again by itself."""
    return not isinstance(channel, SlackChannel)


def channel_of(target: Mapping[str, Any]) -> Channel:
    """A channel from the settings frozen into an outbox message."""
    return _CHANNEL.validate_python(dict(target))


def target_of(channel: Channel) -> dict[str, Any]:
    """The settings frozen into an outbox message: no secret, only the names of their variables."""
    return channel.model_dump(mode="json")


_SECRET_KEYS = ("webhook_env", "routing_key_env", "api_key_env", "api_token_env")


def secret_keys(channel: Channel) -> list[tuple[str, str]]:
    """(config key, environment variable) of each of this channel's secrets."""
    found = ((key, getattr(channel, key, None)) for key in _SECRET_KEYS)
    return [(key, name) for key, name in found if name]


def secret_names(channel: Channel) -> list[str]:
    """The environment variables that hold this channel's secrets."""
    return [name for _, name in secret_keys(channel)]


def missing_secrets(config: NotifyConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per secret that is not in the environment, led by its key, as config errors are:
    `notify.channels.#incidents.webhook_env: environment variable X is not set`."""
    env = os.environ if environ is None else environ
    return [
        f"notify.channels.{name}.{key}: environment variable {var} is not set"
        for name, channel in config.channels.items()
        for key, var in secret_keys(channel)
        if not env.get(var)
    ]


def demo_config(path: Path | None = None) -> NotifyConfig:
    """Sink channels named like real ones, so a demo shows deliveries without a network."""
    sink = {"type": "sink", "path": str(path) if path else None}
    return parse(
        {
            "channels": {
                "#incidents": sink,
                "status-page": {**sink, "audience": "public"},
                "pagerduty": {**sink, "stands_for": "pagerduty"},
                "#management": sink,
                "#executive": sink,
            },
            "updates": ["#incidents", "status-page"],
            "escalation": {
                "team": ["#incidents", "pagerduty"],
                "management": ["#management", "pagerduty"],
                "executive": ["#executive", "pagerduty"],
            },
        }
    )
