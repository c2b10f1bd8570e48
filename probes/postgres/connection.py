"""Connecting to PostgreSQL, and saying why it failed in one line without a password.

libpq's messages lead with the server and bury the cause; `reason` puts the cause first.
Everything said here is redacted: the DSN's password, libpq's PGPASSWORD, `password=...`
and a URI's `user:pass@`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from probes import http
from state.text import inert

if TYPE_CHECKING:
    from psycopg import AsyncConnection

APPLICATION_NAME = "warroom"

_SEVERITY = re.compile(r"\b(?:FATAL|ERROR):\s+")  # libpq's "failed: FATAL:  password ..."


class PostgresError(Exception):
    """A one-line, password-free reason the database could not be read or changed."""

    def __init__(self, reason: str, answered: bool = True, unknown: bool = False) -> None:
        super().__init__(reason)
        self.answered = answered  # False: no server answered at all (refused, timed out)
        # True: never reached from this machine (its host name does not resolve here), so
        # nothing is known of the server: unknown, not down (probes/http.py not_reached)
        self.unknown = unknown


# the resolver said no: psycopg's own (async connect resolves in Python) or libpq's words
_UNRESOLVED = re.compile(
    r"failed to resolve host '(?P<a>[^']*)'" r'|could not translate host name "(?P<b>[^"]*)"'
)


def unresolved(exc: BaseException) -> str | None:
    """The host name that did not resolve from here, if that is why `exc` was raised."""
    found = _UNRESOLVED.search(str(exc))
    if found is None:
        return None
    return found["a"] if found["a"] is not None else found["b"]


def secrets_of(dsn: str | None) -> tuple[str, ...]:
    """The passwords this DSN (or libpq's environment) would send."""
    found = [os.environ.get("PGPASSWORD", "")]
    try:
        from psycopg.conninfo import conninfo_to_dict

        found.append(str(conninfo_to_dict(dsn or "").get("password") or ""))
    except Exception:  # a malformed DSN still gets the pattern-based redaction
        pass
    # very short literals would shred ordinary words of the message for no protection
    return tuple(s for s in found if len(s) >= 4)


def redact(text: object, secrets: Sequence[str] = ()) -> str:
    """`text` as one inert line with `password=...`, `user:pass@` and known secrets as ***."""
    return http.redact(text, {f"password {i}": s for i, s in enumerate(secrets)}, "***")


# libpq's "connection to server at "h" (addr), port p failed: CAUSE", one line per address tried
_ATTEMPT = re.compile(
    r'^connection to server (?:at "(?P<host>[^"]*)"(?: \([^)]*\))?, port (?P<port>\d+)'
    r'|on socket "(?P<socket>[^"]*)") failed: (?P<cause>.*)$'
)
TOO_MANY = "too many connections"  # how a server with no connection slot left is said
# libpq's causes, said so that the first words tell a person what is wrong
_CAUSES = (
    (re.compile(r"^Connection refused$"), "connection refused"),
    (re.compile(r"^Connection timed out$"), "connection timed out"),
    (re.compile(r"^received (invalid response.*)$"), r"\1"),
    (re.compile(r"^(expected authentication request from server.*)$"), r"invalid response: \1"),
    (re.compile(r"^(sorry, too many clients already)$"), TOO_MANY + r" (\1)"),
    (re.compile(r"^(remaining connection slots are reserved.*)$"), TOO_MANY + r" (\1)"),
)


def _cause_first(lines: list[str]) -> str | None:
    """`CAUSE (at host:port)` from libpq's connection attempts; None if it made none.

    Of several addresses tried, the first whose server answered (FATAL) says most.
    """
    attempts = [m for m in map(_ATTEMPT.match, lines) if m]
    if not attempts:
        return None
    found = next((m for m in attempts if _SEVERITY.search(m["cause"])), attempts[0])
    cause = _SEVERITY.sub("", found["cause"]).strip()
    for pattern, said in _CAUSES:
        cause = pattern.sub(said, cause)
    where = f"socket {found['socket']}" if found["socket"] else f"{found['host']}:{found['port']}"
    return f"{cause} (at {where})"


def reason(exc: BaseException, dsn: str | None) -> str:
    """One redacted line that leads with the cause and names the server after it.

    libpq says `connection to server at "h", port p failed: FATAL:  password ...` and
    appends hints on further lines; a pane's border cut at its width must still show the
    cause, so it comes first: `password authentication failed for user "x" (at h:p)`.
    """
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    lines[:1] = [re.sub(r"^connection (?:failed|is bad): ", "", lines[0])] if lines else []
    first = _cause_first(lines) or (_SEVERITY.sub("", lines[0]) if lines else type(exc).__name__)
    return redact(first, secrets_of(dsn))


def decoded(data: bytes | None, encoding: str | None) -> str | None:
    """Text of another session's database, as its bytes were stored, decoded leniently.

    `encoding`: PostgreSQL's name of that database's encoding (pg_encoding_to_char); what
    cannot be decoded becomes U+FFFD, so one session's bytes never fail a sample. UTF-8 is
    tried first where the database says SQL_ASCII (no encoding: clients often write UTF-8).
    """
    if data is None:
        return None
    codec = "utf-8"
    if encoding and encoding not in ("SQL_ASCII", "UTF8"):
        try:
            from psycopg._encodings import pg2pyenc  # psycopg's own name table

            codec = pg2pyenc(encoding.encode())
        except Exception:  # an encoding Python has no codec for (MULE_INTERNAL)
            codec = "utf-8"
    return bytes(data).decode(codec, "replace")


def _lenient(conn: AsyncConnection[Any]) -> None:
    """Text columns of `conn` decode leniently: a byte that is not in the connection's
    encoding (a LATIN1 database's query text, a role or gid named from one) becomes U+FFFD
    in its own field instead of failing the whole read with UnicodeDecodeError."""
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    codec = conn.info.encoding  # Python's name of the client encoding
    codec = "utf-8" if codec == "ascii" else codec  # SQL_ASCII: clients mostly write UTF-8

    class Lenient(Loader):
        def load(self, data: Any) -> str:
            return bytes(data).decode(codec, "replace")

    class LenientBinary(Lenient):
        format = Format.BINARY

    for name in ("text", "varchar", "name", "bpchar", '"char"'):
        conn.adapters.register_loader(name, Lenient)
        conn.adapters.register_loader(name, LenientBinary)


async def connect(dsn: str | None, timeout: float) -> AsyncConnection[Any]:
    """An autocommit connection named `warroom` whose text columns decode leniently; raises
    PostgresError without the password."""
    import psycopg

    seconds = max(2, round(timeout))  # libpq's minimum is 2 s
    try:
        conn = await psycopg.AsyncConnection.connect(
            dsn or "",
            autocommit=True,
            application_name=APPLICATION_NAME,
            connect_timeout=seconds,
        )
        _lenient(conn)
        return conn
    except psycopg.errors.ConnectionTimeout:
        # psycopg's own words name no server
        where = target_of(dsn)
        raise PostgresError(f"connection timed out after {seconds} s (at {where})", False) from None
    except psycopg.Error as exc:
        host = unresolved(exc)
        if host is not None:  # health's words for the same (probes/http.py network_reason)
            why = f"DNS lookup failed (cannot resolve {inert(host, 80)})"
            raise PostgresError(redact(why, secrets_of(dsn)), False, unknown=True) from None
        # libpq marks what the server itself said (bad password, no such database) as FATAL
        raise PostgresError(reason(exc, dsn), answered="FATAL:" in str(exc)) from None


def target_of(dsn: str | None) -> str:
    """host:port/dbname of a DSN, never its password; libpq's environment fills the gaps."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn or "")
    except Exception:
        return "postgres (unparsable DSN)"
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    db = params.get("dbname") or os.environ.get("PGDATABASE") or params.get("user") or ""
    return redact(f"{host}:{port}/{db}")
