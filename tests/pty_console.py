"""Run a program on a real pseudo-terminal, as sshd would: for hangup tests and benchmarks."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from pathlib import Path


def _controlling_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pty."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProgram:
    """A child process on a pty of a fixed size; the parent reads what it draws."""

    def __init__(self, argv: Sequence[str], size: tuple[int, int], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        width, height = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "TERM": "xterm-256color", **env},
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self.output = bytearray()

    def read(self, timeout: float) -> int:
        """Read what is there within `timeout` seconds; returns the number of bytes read."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return 0
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:
            return 0
        self.output += chunk
        return len(chunk)

    def wait_for(self, text: bytes, timeout: float) -> float:
        """Seconds from start until `text` was drawn; raises if it never was."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(0.05)
            if text in self.output:
                return time.perf_counter() - self.started
            if self.proc.poll() is not None:
                break
        tail = bytes(self.output[-400:])
        raise AssertionError(f"never drew {text!r} (exit {self.proc.poll()}); last: {tail!r}")

    def pump(self, seconds: float) -> int:
        """Keep reading for `seconds`; returns the bytes drawn meanwhile."""
        total, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            total += self.read(max(min(deadline - time.monotonic(), 0.2), 0))
        return total

    def send(self, keys: bytes) -> None:
        """Type `keys`, and read what they draw for a moment."""
        os.write(self.master, keys)
        self.pump(0.2)

    def wait_exit(self, timeout: float) -> int | None:
        """Keep reading (a child blocks on a full terminal) until it exits; its exit code."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.pump(0.1)
        self.pump(0.1)
        return self.proc.poll()

    def quit_console(self, timeout: float = 20) -> int | None:
        """q, then Quit in the dialog an open incident brings up (where Cancel has the focus)."""
        self.send(b"q")
        self.wait_for(b"Quit warroom?", timeout)
        self.send(b"\t\r")
        return self.wait_exit(timeout)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the child so far, from /proc."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def warroom(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]
