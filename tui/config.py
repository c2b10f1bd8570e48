"""The config file: which cluster, services and backends live mode watches.

TOML at `platformdirs.user_config_dir("warroom")/config.toml` (or `--config PATH`), each key
overridable by a `WARROOM_*` variable (`WARROOM_PROMETHEUS__URL`). Secrets are never in the
file: it names the environment variable that holds each one.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections import Counter
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import parse_qs, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from probes.notify.config import Audience, Channel, NotifyConfig, missing_secrets
from probes.prometheus.queries import (
    DEFAULT_LABEL,
    ERROR_RATE_QUERY,
    LABEL_NAME,
    LATENCY_BASELINE_QUERY,
    LATENCY_P95_QUERY,
)
from state.text import inert
from tui.environment import OPERATOR
from tui.operator_name import operator_problem
from tui.paths import config_file

MIN_REFRESH = 2.0  # the Kubernetes API is not polled faster than k9s polls it
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_CONFIGMAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_KV_PASSWORD = re.compile(r"(^|\s)password\s*=", re.IGNORECASE)


ENV_PREFIX = "WARROOM_"  # WARROOM_PROMETHEUS__URL overrides [prometheus] url

# Sizes no sane config reaches, refused before anything reads the values. The panes, probes
# and benchmarks are sized for 300 services (issue 10's "large"); 1,000 leaves room for one
# console over several teams. A PromQL query of the guide is ~150 characters: 8,192 is room
# for any hand-written one. A file larger than 16 MiB is not read at all.
MAX_ENTRIES = 1_000  # services, channels, contexts: any list or table
MAX_STRING = 8_192  # characters in any one value
MAX_FILE = 16 * 1024 * 1024  # bytes


class ConfigError(Exception):
    """A config that cannot be used: every problem, one line each, naming its key."""

    def __init__(self, path: Path | None, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("; ".join(problems))

    def lines(self) -> list[str]:
        where = f"{self.path}: " if self.path else ""
        return [f"{where}{problem}" for problem in self.problems]


TOO_DEEP = "arrays or tables nested too deeply to read"
NOTHING_TO_WATCH = "nothing to watch: add [cluster], [prometheus] or [database]"


def default_path() -> Path:
    return config_file()


def _env_var_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError("name the environment variable that holds the value, not the value")
    return value


def _env_name(value: str) -> str:
    if value not in os.environ:
        raise ValueError(f"environment variable {value} is not set")
    return value


EnvName = Annotated[str, AfterValidator(_env_var_name), AfterValidator(_env_name)]
# the name only: a context's variable need be set only when that context is used
EnvVarName = Annotated[str, AfterValidator(_env_var_name)]


def _url(value: str, what: str = "a URL") -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not {what} (expected http://host:port or https://...)")
    try:
        usable = parts.port != 0  # ValueError past 65535 or not a number
    except ValueError:
        usable = False
    if not usable:  # taken, every request then failed with only "InvalidURL" to say why
        raise ValueError(f"port {parts.netloc.rpartition(':')[2]} is not a TCP port (1-65535)")
    if parts.password is not None or "password" in parse_qs(parts.query):
        raise ValueError("contains a password; put secrets in environment variables")
    return value


def _seconds(value: Any) -> Any:
    # TOML's true is no number of seconds, though pydantic reads it as 1; NaN compares false
    # with every bound, so it passed them all but one and was refused as "must be at most 300"
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = float(value)  # a WARROOM_* variable's "nan" too
    except (TypeError, ValueError):
        return value  # pydantic's own message: must be a number
    if not math.isfinite(number):
        raise ValueError("must be a number")
    return value


Seconds = Annotated[float, BeforeValidator(_seconds)]


def _operator(value: str | None) -> str | None:
    problem = None if value is None else operator_problem(value, "operator")
    if problem is not None:
        raise ValueError(problem.partition(": ")[2])
    return value


class _FromEnv(str):
    """A value read from a WARROOM_* variable, which can only be a string."""


def _from_env(data: Any) -> Any:
    """`data` (read from the environment) with each string marked as the environment's."""
    if isinstance(data, dict):
        return {key: _from_env(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_from_env(value) for value in data]
    return _FromEnv(data) if isinstance(data, str) else data


def _flag(value: Any) -> Any:
    # pydantic's lax bool read `read_only = "no"` as false, and the console was writable:
    # a quoted word is no TOML boolean, whatever it says. A WARROOM_* variable, a string by
    # nature, is read as TOML writes one: true or false.
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if isinstance(value, _FromEnv) and word in ("true", "false"):
        return word == "true"
    raise ValueError("must be true or false" + (", unquoted" if word in ("true", "false") else ""))


# every yes/no key of the config is one of these: a TOML boolean, nothing read as one
Flag = Annotated[bool, BeforeValidator(_flag)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _namespace_name(value: str | None) -> str | None:
    if value is not None and not _DNS_LABEL.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes namespace name")
    return value


def _service_names(value: list[str] | None) -> list[str] | None:
    if value is None:
        return value
    if not value:
        raise ValueError("at least one service")
    bad = [s for s in value if not (_DNS_SUBDOMAIN.match(s) and len(s) <= 253)]
    if bad:
        raise ValueError(f"not Kubernetes deployment names: {', '.join(map(repr, bad))}")
    twice = sorted(s for s, n in Counter(value).items() if n > 1)
    if twice:
        raise ValueError(f"listed twice: {', '.join(twice)}")
    return value


class ClusterConfig(Section):
    context: str | None = None  # kubeconfig context; None = the current one, as kubectl
    namespace: str | None = None  # None = the context's namespace
    kubeconfig: Path | None = None  # None = $KUBECONFIG or ~/.kube/config
    services: list[str]
    health_url: str = "http://{service}:8000/health"
    read_only: Flag = False
    # the guide's `kubectl patch configmap app-config ... {"circuit_breaker_enabled":"true"}`
    circuit_breaker_configmap: str = "app-config"
    circuit_breaker_key: str = "circuit_breaker_enabled"

    _namespace = field_validator("namespace")(_namespace_name)
    _services = field_validator("services")(_service_names)

    @field_validator("circuit_breaker_configmap")
    @classmethod
    def _configmap(cls, value: str) -> str:
        if not (_DNS_SUBDOMAIN.match(value) and len(value) <= 253):
            raise ValueError(f"{value!r} is not a Kubernetes configmap name")
        return value

    @field_validator("circuit_breaker_key")
    @classmethod
    def _configmap_key(cls, value: str) -> str:
        if not (_CONFIGMAP_KEY.match(value) and len(value) <= 253):
            raise ValueError(f"{value!r} is not a configmap key (letters, digits, '-', '_', '.')")
        return value

    @field_validator("health_url")
    @classmethod
    def _health_url(cls, value: str) -> str:
        if "{service}" not in value:
            raise ValueError("must contain {service}, e.g. http://{service}:8000/health")
        try:
            example = value.format(service="analysis-service")
        except (KeyError, IndexError, ValueError):
            raise ValueError("the only placeholder allowed is {service}") from None
        _url(example, "an http(s) URL")
        return value


class PrometheusConfig(Section):
    """[prometheus]: where the error rate and p95 panes read from, and how."""

    url: str
    headers: dict[str, EnvName] = Field(default_factory=dict)  # header -> env var with its value
    timeout: Seconds = Field(default=2.0, ge=0.5, le=30)  # seconds for each instant query
    ca_file: Path | None = None  # a CA bundle for an https URL; None: the system's CAs
    verify_tls: Flag = True  # false: no certificate check at all
    # the label each series' service is read from, and the default queries group by
    label: str = DEFAULT_LABEL
    error_rate_query: str | None = None  # None: the guide's 5xx percentage by the label
    latency_query: str | None = None  # None: the guide's p95 in ms by the label
    # None: the median p95 of the same hour a day earlier (probes/prometheus/queries.py);
    # "": no baseline, every p95 row says "no base"
    latency_baseline_query: str | None = None

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _url(value)

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not LABEL_NAME.match(value):
            raise ValueError(f"{inert(value, limit=60)!r} is not a Prometheus label name")
        return value

    @field_validator("ca_file")
    @classmethod
    def _ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.expanduser().is_file():
            raise ValueError(f"no CA bundle at {inert(str(value), limit=120)}")
        return value

    @field_validator("error_rate_query", "latency_query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("empty: leave the key out for the guide's query")
        return value

    def header_values(self) -> dict[str, str]:
        """The headers with their secret values, read from the environment now."""
        return {name: os.environ[var] for name, var in self.headers.items()}

    def tls_verify(self) -> bool | str:
        """requests' `verify`: the CA bundle's path, or whether to check at all."""
        if self.ca_file is not None and self.verify_tls:
            return str(self.ca_file.expanduser())
        return self.verify_tls


class DatabaseConfig(Section):
    dsn_env: EnvName | None = None  # None: libpq's PGHOST, PGUSER, PGPASSWORD, ~/.pgpass
    dsn: str | None = None  # allowed only without a password

    @field_validator("dsn")
    @classmethod
    def _dsn(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "://" in value:
            parts = urlsplit(value)
            has_password = parts.password is not None or "password" in parse_qs(parts.query)
        else:
            has_password = bool(_KV_PASSWORD.search(value))
        if has_password:
            raise ValueError(
                "contains a password: put the DSN in an environment variable and name it in "
                "database.dsn_env, or use PGPASSWORD or ~/.pgpass"
            )
        return value

    @model_validator(mode="after")
    def _one_source(self) -> DatabaseConfig:
        if self.dsn_env and self.dsn:
            raise ValueError("set dsn_env or dsn, not both")
        return self

    def resolved_dsn(self) -> str | None:
        """The DSN to connect with; None lets libpq read its own environment."""
        if self.dsn_env:
            return os.environ[self.dsn_env]
        return self.dsn


def _keymap(value: dict[str, str]) -> dict[str, str]:
    if not value:  # nothing to check: no need of the console's bindings (Textual, the widgets)
        return value
    from tui.keys import app_bindings, keymap_problems

    problems = keymap_problems(value, app_bindings())
    if problems:
        raise ValueError("; ".join(problems))
    return value


# [keys]: binding id -> key, e.g. "incident.resolve" = "X" (the ids: tui/keys.py, README)
Keymap = Annotated[dict[str, str], AfterValidator(_keymap)]


class ContextNotify(Section):
    """[contexts.NAME.notify]: channels only this context has, and who its updates and pages
    go to (None: as [notify] says). Names refer to these channels or [notify]'s."""

    channels: dict[str, Channel] = Field(default_factory=dict)
    updates: list[str] | None = None
    escalation: dict[Audience, list[str]] | None = None


class ContextConfig(Section):
    """[contexts.NAME]: what differs when warroom runs against kubeconfig context NAME.

    Each key set here replaces the file's own for that context (tui/contexts.py): so that a
    config written for staging cannot make production writable (k9s's per-context
    read-only, k9s #1831).
    """

    read_only: Flag | None = None
    namespace: str | None = None
    services: list[str] | None = None
    prometheus_url: str | None = None
    dsn_env: EnvVarName | None = None
    notify: ContextNotify | None = None

    _namespace = field_validator("namespace")(_namespace_name)
    _services = field_validator("services")(_service_names)

    @field_validator("prometheus_url")
    @classmethod
    def _prometheus_url(cls, value: str | None) -> str | None:
        return value if value is None else _url(value)


class InvestigateConfig(Section):
    """[investigate]: the external dependencies step 4 of the guide's investigation checks."""

    external_urls: list[str] = Field(default_factory=list)  # status and latency of each
    dns_hosts: list[str] = Field(default_factory=list)  # resolved from here
    tls_endpoints: list[str] = Field(default_factory=list)  # "host:port": days left on its cert
    tls_ca_file: Path | None = None  # a private CA to verify them with; None: the system's


class Config(BaseSettings):
    """The whole file. Each of [cluster], [prometheus] and [database] is optional: a pane whose
    backend is absent says so ("not configured"), and nothing else changes."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    cluster: ClusterConfig | None = None
    prometheus: PrometheusConfig | None = None
    database: DatabaseConfig | None = None
    refresh: Seconds = Field(default=2.0, ge=MIN_REFRESH, le=300)
    operator: Annotated[str | None, AfterValidator(_operator)] = None
    notify: NotifyConfig | None = None  # [notify]: Slack, PagerDuty, Statuspage channels
    investigate: InvestigateConfig = Field(default_factory=InvestigateConfig)
    # the guide's automatic escalation: ask the commander first, or page at once
    escalation: Literal["prompt", "page"] = "prompt"
    keys: Keymap = Field(default_factory=dict)
    contexts: dict[str, ContextConfig] = Field(default_factory=dict)  # by kubeconfig context

    @model_validator(mode="after")
    def _something_to_watch(self) -> Config:
        if self.cluster is None and self.prometheus is None and self.database is None:
            raise ValueError(NOTHING_TO_WATCH)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment overrides the file, its context names spelled as given
        return (_CasedContexts(settings_cls, env_settings, init_settings), init_settings)


_CONTEXTS_ENV = f"{ENV_PREFIX}CONTEXTS__"


class _CasedContexts(PydanticBaseSettingsSource):
    """The `WARROOM_*` variables, with the names of contexts kept as spelled.

    pydantic-settings reads variable names case-insensitively and lowercases the keys it
    builds from them, so `WARROOM_CONTEXTS__PROD__READ_ONLY` became a context `prod`. A
    context named by a variable takes the spelling of the file's table it matches ignoring
    case (so a variable overrides that table, however written), else the variable's own.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        env: PydanticBaseSettingsSource,
        file: PydanticBaseSettingsSource,
    ) -> None:
        super().__init__(settings_cls)
        self.env, self.file = env, file

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ does the reading

    def __call__(self) -> dict[str, Any]:
        data = _from_env(self.env())
        contexts = data.get("contexts")
        if not isinstance(contexts, dict) or not contexts:
            return data
        filed = getattr(self.file, "init_kwargs", {}).get("contexts")
        tables = list(filed) if isinstance(filed, dict) else []
        spelled: dict[str, str] = {}
        for name in os.environ:
            if name.upper().startswith(_CONTEXTS_ENV):
                own = name[len(_CONTEXTS_ENV) :].split("__", 1)[0]
                spelled.setdefault(own.lower(), own)
        cased: dict[str, Any] = {}
        for key, value in contexts.items():
            same = [t for t in tables if isinstance(t, str) and t.lower() == key.lower()]
            target = str(same[0]) if len(same) == 1 else spelled.get(str(key), str(key))
            cased[target] = value
        return {**data, "contexts": cased}


# ---- the WARROOM_* variables of the config's keys, and those it names (tui/environment.py) ---


def _key_types(tp: Any) -> list[Any]:
    """The types a value of annotation `tp` may take, Annotated and Optional unwrapped."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _key_types(get_args(tp)[0])
    if origin in (Union, UnionType):
        return [t for arg in get_args(tp) for t in _key_types(arg) if t is not type(None)]
    return [tp]


def _reads(tp: Any, parts: list[str]) -> bool:
    """Whether a value of type `tp` has the key path `parts` (any case): a model's field by
    name, a table's any key, a leaf none."""
    if not parts:
        return True
    for kind in _key_types(tp):
        if get_origin(kind) is dict:
            if _reads(get_args(kind)[1], parts[1:]):
                return True
        elif isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(parts[0].lower())
            if field is not None and _reads(field.annotation, parts[1:]):
                return True
    return False


def config_reads(name: str) -> bool:
    """Whether pydantic-settings reads variable `name` as a key of the config:
    `WARROOM_PROMETHEUS__URL`, `warroom_refresh`, `WARROOM_CONTEXTS__PROD__READ_ONLY`."""
    parts = name[len(ENV_PREFIX) :].split("__")
    if not name.upper().startswith(ENV_PREFIX) or not all(parts):
        return False
    return _reads(Config, parts)


def _spelled(tp: Any, parts: list[str], prefix: str, depth: int = 4) -> list[str]:
    """The config's variables under `prefix`, a table's key spelled as in `parts` (else NAME)."""
    out: list[str] = []
    if depth == 0:
        return out
    for kind in _key_types(tp):
        if get_origin(kind) is dict:
            key = parts[0].upper() if parts else "NAME"
            inner = f"{prefix}__{key}"
            out += [inner, *_spelled(get_args(kind)[1], parts[1:], inner, depth - 1)]
        elif isinstance(kind, type) and issubclass(kind, BaseModel):
            for field_name, field in kind.model_fields.items():
                inner = f"{prefix}__{field_name.upper()}"
                same = bool(parts) and parts[0].lower() == field_name
                below = parts[1:] if same else []
                out += [inner, *_spelled(field.annotation, below, inner, depth - 1)]
    return out


def config_names(name: str) -> list[str]:
    """The config's variables, spelled as near to `name` as they can be (a table's key as
    `name` has it), for saying which one a typo meant."""
    parts = name[len(ENV_PREFIX) :].split("__")
    return [ENV_PREFIX + n[2:] for n in dict.fromkeys(_spelled(Config, parts, ""))]


def named_variables(config: Config) -> set[str]:
    """Every variable `config` names for a secret: the DSN's (its own and each context's),
    the Prometheus headers', each [notify] channel's (its own and each context's)."""
    from probes.notify.config import secret_names

    names: set[str] = set()
    if config.database is not None and config.database.dsn_env:
        names.add(config.database.dsn_env)
    if config.prometheus is not None:
        names |= set(config.prometheus.headers.values())
    channels = list(config.notify.channels.values()) if config.notify is not None else []
    for context in config.contexts.values():
        if context.dsn_env:
            names.add(context.dsn_env)
        if context.notify is not None:
            channels += context.notify.channels.values()
    for channel in channels:
        names |= set(secret_names(channel))
    return names


def _mistyped_key() -> str | None:
    """The line refusing a variable for a config key the config does not have
    (`WARROOM_PROMETHEUS__URLL`), naming the nearest it has; None when there is none."""
    from tui.environment import CONFIG_KEYS, FIXED, theirs, unknown

    keyed = {
        name: ""
        for name in theirs(os.environ)
        if name not in FIXED and name[len(ENV_PREFIX) :].split("__")[0].lower() in CONFIG_KEYS
    }
    return unknown(keyed, (), config_reads, config_names) if keyed else None


def refuse_unknown_variables(config: Config, path: Path | None = None) -> None:
    """ConfigError naming a `WARROOM_*` variable warroom does not read (tui/environment.py),
    with the nearest it does, as `config`'s command reads them."""
    from tui.environment import unknown

    found = unknown(os.environ, named_variables(config), config_reads, config_names)
    if found is not None:
        raise ConfigError(None, [found])


_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown key",
    "string_type": "must be a string (in quotes)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "list_type": 'must be a list, e.g. ["analysis-service", "file-watcher"]',
    "dict_type": "must be a table",
    "model_type": "must be a table (a [section])",
    "model_attributes_type": "must be a table (a [section])",
}


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "config"


def describe_error(error: Any) -> str:
    kind = error["type"]
    if kind == "value_error":
        message = str(error["ctx"]["error"])
    elif kind == "greater_than_equal":
        message = f"must be at least {error['ctx']['ge']:g}"
        if error["loc"] == ("refresh",):
            message += " seconds (the Kubernetes API is not polled faster)"
    elif kind == "less_than_equal":
        message = f"must be at most {error['ctx']['le']:g}"
    else:
        message = _MESSAGES.get(kind) or error["msg"]
    return f"{_where(error['loc'])}: {message}"


def oversized(data: Any, where: str = "") -> list[str]:
    """Each value in `data` (a parsed TOML document) past MAX_STRING or MAX_ENTRIES, by key.

    Checked before validation, which would otherwise echo a 5 MB value back in its error or
    spend minutes on a list of 20,000 services.
    """
    if isinstance(data, str):
        if len(data) > MAX_STRING:
            return [
                f"{where or 'config'}: {len(data):,} characters; a value is at most {MAX_STRING:,}"
            ]
        return []
    if isinstance(data, dict | list):
        if len(data) > MAX_ENTRIES:
            what = "entries" if isinstance(data, list) else "keys"
            return [f"{where or 'config'}: {len(data):,} {what}; at most {MAX_ENTRIES:,}"]
        items = data.items() if isinstance(data, dict) else enumerate(data)
        out: list[str] = []
        for key, value in items:
            if isinstance(key, str) and len(key) > MAX_STRING:
                return [f"{where or 'config'}: a key of {len(key):,} characters"]
            if isinstance(key, int):
                inner = f"{where}[{key}]"
            else:
                inner = f"{where}.{key}" if where else key
            out += oversized(value, inner)
            if out:  # one line names the key; the rest would say the same
                return out
        return out
    return []


def _oversized_env() -> list[str]:
    """A WARROOM_* variable past the limits, in one line naming it: one value of more than
    MAX_STRING characters (the file's limit), a JSON list or table with a value or a count
    past the file's limits, or any variable of more than 4 x MAX_STRING."""
    import json

    for name, value in os.environ.items():
        if not name.upper().startswith(ENV_PREFIX) or len(value) <= MAX_STRING:
            continue
        if len(value) > MAX_STRING * 4:  # a JSON list of services is longer than one value
            return [
                f"{name}: {len(value):,} characters; a WARROOM_* variable is at most "
                f"{MAX_STRING * 4:,}"
            ]
        try:
            parsed = json.loads(value)
        except RecursionError:
            return [f"{name}: {TOO_DEEP}"]
        except ValueError:
            parsed = value
        if isinstance(parsed, dict | list):  # a list or table: each value as in the file
            found = oversized(parsed, name)
            if found:
                return found[:1]
            continue
        return [f"{name}: {len(value):,} characters; a value is at most {MAX_STRING:,}"]
    return []


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    """Validate `data` (with the environment's overrides); every problem at once on failure."""
    named = operator_problem(os.environ.get(OPERATOR, ""), OPERATOR)
    if named is not None:  # as the variable it is, not as the config's key it also sets
        raise ConfigError(None, [named])
    too_big = oversized(data) or _oversized_env()
    if too_big:
        raise ConfigError(path, too_big)
    mistyped = _mistyped_key()
    if mistyped is not None:  # said as the variable it is, not as a key of the file
        raise ConfigError(None, [mistyped])
    try:
        return Config(**data)
    except ValidationError as exc:
        raise ConfigError(path, [describe_error(e) for e in exc.errors()]) from None
    except RecursionError:  # a WARROOM_* variable's JSON nested thousands deep
        raise ConfigError(path, [f"{TOO_DEEP} (in the file or a WARROOM_* variable)"]) from None
    except SettingsError as exc:  # a WARROOM_* variable for a list or table that is not JSON
        raise ConfigError(path, [_settings_problem(exc)]) from None


_FIELD = re.compile(r'field "([^"]+)"')


def _settings_problem(exc: SettingsError) -> str:
    """One line for a WARROOM_* variable pydantic-settings could not read, naming its key."""
    found = _FIELD.search(str(exc))
    key = found.group(1) if found else "config"
    names = sorted(n for n in os.environ if n.upper().startswith(f"{ENV_PREFIX}{key.upper()}"))
    cause = inert(exc.__cause__, limit=80) if exc.__cause__ else "cannot be read"
    return (
        f"{key}: {', '.join(names) or 'a WARROOM_* variable'} is not valid JSON ({cause}); "
        'a list or table is written as JSON, e.g. ["analysis-service", "file-watcher"]'
    )


def require_secrets(config: Config, path: Path | None = None) -> Config:
    """`config` if every [notify] channel's secret is in the environment; else ConfigError.

    Live mode needs them to send; `warroom check` reports them per channel instead.
    """
    problems = missing_secrets(config.notify) if config.notify is not None else []
    if problems:
        raise ConfigError(path, problems)
    return config


def load(path: Path | None = None) -> Config:
    """Read and validate the config at `path`, or at the default path."""
    explicit = path is not None
    path = path or default_path()
    try:
        size = path.stat().st_size if path.is_file() else 0
        if size > MAX_FILE:
            raise ConfigError(
                path, [f"{size / 2**20:,.0f} MiB; a config file is at most {MAX_FILE // 2**20} MiB"]
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(None, [f"no config file at {path}"]) from None
        raise ConfigError(
            None,
            [f"no config at {path}: create one with `warroom config init`, or pass --config PATH"],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"cannot read: {getattr(exc, 'strerror', None) or exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise ConfigError(path, [TOO_DEEP]) from None
    return parse(data, path)


TEMPLATE = """\
# warroom live mode: what to watch. Secrets are never written here: name the
# environment variable that holds each one. Each of [cluster], [prometheus] and
# [database] is optional: a pane whose backend is left out says "not configured".

refresh = 2  # seconds between samples (at least 2)
# operator = "alice"  # who you are in the journal; default: your login name

[cluster]
# context = "production"  # kubeconfig context; default: the current one
# namespace = "tracktion"  # default: the context's namespace
services = ["analysis-service", "file-watcher", "tracklist-service", "notification-service"]
health_url = "http://{service}:8000/health"
read_only = false
# circuit_breaker_configmap = "app-config"  # the configmap and key the circuit breaker sets
# circuit_breaker_key = "circuit_breaker_enabled"

# [prometheus]
# url = "http://prometheus:9090"
# headers = { Authorization = "PROMETHEUS_AUTH" }  # header = env var holding its value
# timeout = 2  # seconds for each instant query; the history's range query may take longer
# ca_file = "/etc/ssl/certs/prometheus-ca.pem"  # CA bundle for https; default: the system's
# verify_tls = true  # false skips the certificate check
# label = "service"  # the label naming each series' service: app, job, service_name, ...
# The guide's PromQL, the defaults: left commented, they group by `label` whatever it
# is; a query of your own must group by it too, and its values must be the services' names.
# error_rate_query = '{error_rate}'
# latency_query = '{latency}'
# The p95 "normal" for the guide's "p95 > 3x normal -> P2": by default the median p95 of
# the same hour a day earlier; "" for none (every p95 row then says "no base").
# latency_baseline_query = '{baseline}'

# [database]
# dsn_env = "WARROOM_DSN"  # env var holding the DSN; default: PGHOST, PGUSER, ~/.pgpass

# [investigate]  # what `g`'s External dependencies step checks (the guide's step 4)
# external_urls = ["https://api.mailprovider.example/v3/health"]  # status and latency
# dns_hosts = ["postgres.tracktion.svc.cluster.local"]  # resolved from here
# tls_endpoints = ["api.tracktion.example:443"]  # days left on the certificate (< 14 warns)

# escalation = "prompt"  # the guide's automatic escalation: "prompt" asks first, "page" pages

# [keys]  # remap any key by its binding id (warroom's README lists them); a clash is an error
# "incident.resolve" = "X"
# "action.terminate_backend" = "K"

# [notify]  # where `u` posts updates and `e` pages people
# updates = ["#incidents", "status-page"]  # ticked by default for a status update
# [notify.escalation]  # the guide: team for levels 1-2, management 3, executive 4-5
# team = ["#incidents", "pagerduty"]
# management = ["#management", "pagerduty"]
# executive = ["#executive", "pagerduty"]
# [notify.channels."#incidents"]
# type = "slack"
# webhook_env = "INCIDENTS_SLACK_WEBHOOK"
# [notify.channels."#management"]
# type = "slack"
# webhook_env = "MGMT_SLACK_WEBHOOK"
# [notify.channels."#executive"]
# type = "slack"
# webhook_env = "EXEC_SLACK_WEBHOOK"
# [notify.channels.pagerduty]
# type = "pagerduty"
# routing_key_env = "PAGERDUTY_ROUTING_KEY"
# [notify.channels.status-page]
# type = "statuspage"
# page_id = "kctbh9vrtdwd"  # your page's id, from its URL
# api_key_env = "STATUSPAGE_API_KEY"

# [contexts.production]  # the rules of one kubeconfig context, over the keys above;
# read_only = true        # they apply whenever that context is used (--context, or current)
# namespace = "tracktion"  # `warroom live --allow-writes` lifts read_only, and the journal says so
# services = ["analysis-service", "file-watcher"]
# prometheus_url = "http://prometheus.production:9090"
# dsn_env = "PRODUCTION_DSN"
# [contexts.production.notify]  # channels of its own, and where its updates and pages go
# updates = ["#incidents"]
# escalation = { team = ["#incidents", "pagerduty"] }
"""


# the [prometheus] defaults, as the probe has them: one place says what the guide's PromQL is
TEMPLATE = (
    TEMPLATE.replace("{error_rate}", ERROR_RATE_QUERY)
    .replace("{latency}", LATENCY_P95_QUERY)
    .replace("{baseline}", LATENCY_BASELINE_QUERY)
)


def write_template(path: Path) -> None:
    """Create a commented starting config at `path`; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:
        f.write(TEMPLATE)
