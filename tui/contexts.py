"""Which kubeconfig context a session runs against, and that context's own rules.

`[contexts.NAME]` tables override, for context NAME, read_only, the namespace, the services,
the Prometheus URL, the database's DSN variable and the notify channels. The context is the
one named by `--context`, else `[cluster].context`, else the kubeconfig's current one: the
rules follow the context actually used, so `kubectl config use-context production` cannot
run production under staging's rules. A read-only context is made writable from the command
line only with `--allow-writes`, and the session's first event records that it was.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from probes.notify.config import NotifyConfig
from tui.config import (
    ClusterConfig,
    Config,
    ConfigError,
    ContextConfig,
    DatabaseConfig,
    PrometheusConfig,
    describe_error,
)


@dataclass(frozen=True)
class Selected:
    """The config as it applies to one context, and what the command line did to it."""

    config: Config  # with the context's overrides, and [cluster].context pinned to it
    context: str | None  # None: no context named, and no kubeconfig to say the current one
    read_only: bool
    writes_allowed: bool  # --allow-writes lifted read_only: journaled with the session


def select(
    config: Config,
    path: Path | None = None,
    *,
    context: str | None = None,
    namespace: str | None = None,
    read_only: bool | None = None,
    allow_writes: bool = False,
) -> Selected:
    """`config` for `context` (or the one it implies) with the command line's values.

    Raises ConfigError (one line) for a context the config does not know, and for
    `--read-only` with `--allow-writes`.
    """
    if read_only and allow_writes:
        raise ConfigError(path, ["--read-only and --allow-writes contradict each other"])
    name = _context_name(config, path, context)
    table = table_of(config, name)
    configured = _read_only_of(config, table)
    ro = bool(read_only) or (configured and not allow_writes)
    updated = config.model_copy(
        update={
            "cluster": _cluster(config, table, name, namespace, ro, path),
            "prometheus": _prometheus(config, table),
            "database": _database(config, table, path, f"contexts.{name}"),
            "notify": _notify(config, table, path, f"contexts.{name}.notify"),
        }
    )
    return Selected(updated, name, ro, writes_allowed=configured and not ro)


def _context_name(config: Config, path: Path | None, given: str | None) -> str | None:
    cluster = config.cluster
    pinned = cluster.context if cluster is not None else None
    if given is not None:
        known = sorted({*config.contexts, *([pinned] if pinned else [])})
        if given != pinned and table_of(config, given) is None:
            has = f" (it has {', '.join(known)})" if known else ""
            raise ConfigError(
                path,
                [
                    f"--context {given}: no [contexts.{_toml_key(given)}] in the config{has}; "
                    "add one with "
                    "its own read_only, so that it does not run under another context's rules"
                ],
            )
        return given
    if pinned or cluster is None:
        return pinned
    from probes.kubernetes.client import current_context

    return current_context(cluster.kubeconfig)


def table_of(config: Config, name: str | None) -> ContextConfig | None:
    """The `[contexts.NAME]` table for context `name`: the one spelled exactly so, else the
    only one whose name matches ignoring case (a `WARROOM_CONTEXTS__PROD__…` variable names
    `PROD`, a kubeconfig may say `prod`); None when there is none, or several such."""
    if name is None:
        return None
    if name in config.contexts:
        return config.contexts[name]
    same = [t for n, t in config.contexts.items() if n.casefold() == name.casefold()]
    return same[0] if len(same) == 1 else None


def _toml_key(name: str) -> str:
    """`name` as a TOML key: bare if it can be, else quoted (an EKS context is an ARN)."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _read_only_of(config: Config, table: ContextConfig | None) -> bool:
    if table is not None and table.read_only is not None:
        return table.read_only
    return config.cluster.read_only if config.cluster is not None else False


def _rebuilt(model: type[BaseModel], data: dict[str, Any], path: Path | None, where: str) -> Any:
    """`model(**data)`, validated again: a command-line value is checked as the file's are."""
    try:
        return model(**data)
    except ValidationError as exc:
        problems = [
            f"{where}.{describe_error(e)}"
            if e["loc"]
            else f"{where}: {describe_error(e).removeprefix('config: ')}"
            for e in exc.errors()  # a whole-model error reads "config: ...": the table's own
        ]
        raise ConfigError(path, problems) from None


def _cluster(
    config: Config,
    table: ContextConfig | None,
    name: str | None,
    namespace: str | None,
    read_only: bool,
    path: Path | None,
) -> ClusterConfig | None:
    base = config.cluster
    if base is None and (table is None or table.services is None):
        if namespace is not None:
            raise ConfigError(path, ["--namespace: no [cluster] in the config to apply it to"])
        return None
    data = base.model_dump(exclude_unset=True) if base is not None else {}
    if table is not None:
        data |= table.model_dump(include={"namespace", "services"}, exclude_none=True)
    if namespace is not None:
        data["namespace"] = namespace
    # pinned: the probes and actions use the very context whose rules were applied, even if
    # someone runs `kubectl config use-context` meanwhile
    data |= {"context": name, "read_only": read_only}
    return _rebuilt(ClusterConfig, data, path, "cluster")


def _prometheus(config: Config, table: ContextConfig | None) -> PrometheusConfig | None:
    if table is None or table.prometheus_url is None:
        return config.prometheus
    if config.prometheus is None:
        return PrometheusConfig(url=table.prometheus_url)
    return config.prometheus.model_copy(update={"url": table.prometheus_url})


def _database(
    config: Config, table: ContextConfig | None, path: Path | None, where: str
) -> DatabaseConfig | None:
    if table is None or table.dsn_env is None:
        return config.database
    return _rebuilt(DatabaseConfig, {"dsn_env": table.dsn_env}, path, where)  # is it set?


def _notify(
    config: Config, table: ContextConfig | None, path: Path | None, where: str
) -> NotifyConfig | None:
    if table is None or table.notify is None:
        return config.notify
    own, base = table.notify, config.notify
    data = base.model_dump(exclude_unset=True) if base is not None else {}
    data["channels"] = {**(base.channels if base else {}), **own.channels}
    if own.updates is not None:
        data["updates"] = own.updates
    if own.escalation is not None:
        data["escalation"] = own.escalation
    return _rebuilt(NotifyConfig, data, path, where)


def label(selected: Selected) -> str:
    """What a new live journal's file name says: the namespace, else the context.

    Here, not in tui/live.py, so that what live does before its first frame loads no more
    than the config's own models (the event models, the fold and probes wait for opening)."""
    c = selected.config.cluster
    words = (c.namespace if c else None) or selected.context or "session"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", words)[:40]
