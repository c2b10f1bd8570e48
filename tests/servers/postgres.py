"""A private PostgreSQL on loopback for the tests: initdb + pg_ctl in a temp dir.

As root the server runs as the unprivileged `postgres` user (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
WATCHER = "watcher"  # a non-superuser role that logs in with a password over TCP
WATCHER_PASSWORD = "Wr00m-s3cret-Pa55"

_HBA = """\
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""


def bindir() -> Path:
    """The newest Debian PostgreSQL's bin directory; run tests/servers/install.sh if missing."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run tests/servers/install.sh")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    root: Path
    port: int
    bin: Path = field(default_factory=bindir)
    max_connections: int = 300

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def dsn(
        self, user: str = SUPERUSER, dbname: str = "postgres", password: str | None = None
    ) -> str:
        """Superuser over the unix socket; with a password, over TCP on 127.0.0.1."""
        if password is None:
            return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in args]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        self._run(
            self.bin / "initdb", "-D", self.data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8"
        )
        (self.data / "pg_hba.conf").write_text(_HBA)
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.socket_dir, "postgres", "postgres")

    def start(self) -> None:
        options = " ".join(
            (
                f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1",
                f"-c max_connections={self.max_connections} -c shared_buffers=32MB",
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "-c password_encryption=scram-sha-256",
                # Investigate's slow statements (the guide's Database Performance runbook)
                "-c shared_preload_libraries=pg_stat_statements",
                # prepared transactions: a blocker pg_blocking_pids() reports as pid 0
                "-c max_prepared_transactions=10",
            )
        )
        result = self._run(
            self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60",
            "-o", options, "start", check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr}\n{self.log_tail()}")

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (
            self._run(self.bin / "pg_ctl", "-D", self.data, "status", check=False).returncode == 0
        )

    def psql(self, sql: str) -> str:
        """Run SQL as the superuser over the socket; return psql's unaligned output."""
        result = self._run(
            self.bin / "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", self.socket_dir, "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres",
            "-c", sql,
        )  # fmt: skip
        return result.stdout.strip()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        except OSError:
            return ""


def start_server() -> PgServer:
    """A fresh cluster, started, with a `watcher` role (password, no monitoring grants)."""
    root = Path(tempfile.mkdtemp(prefix="warroom-pg-"))
    if os.geteuid() == 0:
        pwd.getpwnam("postgres")  # Debian's package creates it; fail clearly if it does not
        shutil.chown(root, "postgres", "postgres")
    server = PgServer(root, free_port())
    try:
        server.init()
        server.start()
        server.psql(f"CREATE ROLE {WATCHER} LOGIN PASSWORD '{WATCHER_PASSWORD}'")
    except BaseException:
        remove_server(server)
        raise
    return server


def remove_server(server: PgServer) -> None:
    if server.running():
        server.stop("immediate")
    shutil.rmtree(server.root, ignore_errors=True)
