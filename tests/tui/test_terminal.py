"""A dropped SSH session must not leave the console spinning: it exits when its terminal goes."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest


def _controlling_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pty, as sshd arranges."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def start_console(tmp_path) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "WARROOM_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "demo", "--journal", str(tmp_path / "j.warroom")],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=_controlling_terminal,
    )
    os.close(slave)
    return proc, master


def wait_for_screen(master: int, text: bytes, deadline: float) -> None:
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            if text in seen:
                return
    raise AssertionError(f"console never drew {text!r}; saw {seen[-400:]!r}")


def drain(master: int) -> None:
    while select.select([master], [], [], 0)[0]:
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


@pytest.fixture
def console(tmp_path):
    proc, master = start_console(tmp_path)
    yield proc, master
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_exits_when_the_terminal_hangs_up(console) -> None:
    proc, master = console
    wait_for_screen(master, b"Services", time.monotonic() + 30)
    os.close(master)  # the SSH connection drops: the pty hangs up
    assert proc.wait(timeout=15) in (129, -signal.SIGHUP)


def test_exits_cleanly_on_sighup(console) -> None:
    proc, master = console
    wait_for_screen(master, b"Services", time.monotonic() + 30)
    proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while proc.poll() is None and time.monotonic() < deadline:
        drain(master)
        time.sleep(0.05)
    assert proc.returncode == 129
    os.close(master)
