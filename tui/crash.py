"""When warroom itself fails: the traceback goes to a private file, the terminal gets one line.

Textual's own handler prints a traceback with every frame's local variables on exit, and
the console's locals hold its configuration, which can hold secrets. Instead each failure
is appended to this process's crash log, `crashes/crash-<UTC time>-<pid>.log` in the data
directory (mode 0600, in a 0700 folder): the traceback without locals, with every secret
value the session knows of masked (`redact`). The exit code is 70, sysexits' EX_SOFTWARE.
"""

from __future__ import annotations

import contextlib
import os
import re
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from state.clock import WallClock

if TYPE_CHECKING:
    from tui.config import Config

EXIT_CRASH = 70

# environment variables whose values are secrets whatever config names them: the config's
# own (registered by the session with `keep_secret`) and these by their names' look
_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|WEBHOOK|HOOK|API_?KEY|ROUTING_KEY|DSN|AUTH|CREDENTIAL",
    re.IGNORECASE,
)
_kept: set[str] = set()
_log: Path | None = None


def keep_secret(names: Iterable[str | None]) -> None:
    """Name environment variables whose values must never reach the crash log."""
    for name in names:
        if name:
            _kept.add(name)


def keep_config_secrets(config: Config) -> None:
    """Every variable the live config names for a secret: the DSN, headers, channel keys."""
    from probes.notify.config import secret_names

    names: list[str | None] = []
    if config.database is not None:
        names.append(config.database.dsn_env)
    if config.prometheus is not None:
        names.extend(config.prometheus.headers.values())
    if config.notify is not None:
        for channel in config.notify.channels.values():
            names.extend(secret_names(channel))
    keep_secret(names)


def secrets(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """name -> value of every secret in the environment the crash log must mask."""
    env = os.environ if environ is None else environ
    named = _kept | _named_in_config()
    return {
        name: value
        for name, value in env.items()
        if value and (name in named or _SECRET_NAME.search(name))
    }


def _named_in_config() -> set[str]:
    """The variables the default config file names for secrets, for a command that did not
    load it (export, replay): every `*_env` key, and the Prometheus headers' variables."""
    try:
        import tomllib

        from tui.config import default_path

        data = tomllib.loads(default_path().read_text(encoding="utf-8"))
    except Exception:  # no config, or not one: the names kept and the names' look remain
        return set()
    found: set[str] = set()
    tables = [data]
    while tables:
        table = tables.pop()
        for key, value in table.items():
            if isinstance(value, dict):
                tables.append(value)
                if key == "headers":
                    found |= {v for v in value.values() if isinstance(v, str)}
            elif key.endswith("_env") and isinstance(value, str):
                found.add(value)
    return found


def redact(text: str) -> str:
    """`text` with secret values, passwords in DSNs and credentials in URLs masked."""
    from probes.http import mask, mask_credentials

    return mask_credentials(mask(text, secrets()))


def report(error: BaseException, what: str = "the console failed") -> Path | None:
    """Append `error`'s traceback (no locals, secrets masked) to the crash log.

    Returns the log's path, or None when it cannot be written (a read-only disk).
    """
    global _log
    text = traceback_text(error)
    now = WallClock().now()  # a crash happens in real time, whatever the session's clock
    try:
        if _log is None:
            from tui.paths import data_dir

            folder = data_dir() / "crashes"
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            _log = folder / f"crash-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
        fd = os.open(_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8", errors="replace") as f:
            f.write(f"--- {now.isoformat(timespec='seconds')} {what}\n{text}\n")
    except OSError:
        return None
    return _log


def one_line(
    error: BaseException, log: Path | None, journal: Path | None = None, lost: str = ""
) -> str:
    """What the terminal is told: what failed, where its traceback is, and what the journal
    keeps: the session, or, with events it never took (`lost`, tui/unrecorded.py), that."""
    where = (
        f"the traceback is in {log}"
        if log
        else "its traceback could not be written to the data directory: run with --debug"
    )
    kept = f"; {lost}" if lost else f"; the journal {journal} keeps the session" if journal else ""
    return f"warroom: crashed ({type(error).__name__}); {where}{kept}"


def traceback_text(error: BaseException) -> str:
    """`error`'s traceback as Python prints it (no locals), secrets masked."""
    with contextlib.suppress(Exception):
        return redact("".join(traceback.format_exception(error)))
    # masking needs the probes' modules; without them, keep the frames and not the message
    return "".join(traceback.format_exception(type(error), None, error.__traceback__))
