"""`warroom check`'s report: one row per backend, each problem on its own line, an exit code."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console

from probes.check import CheckResult
from tui import check
from tui.check import report


def printed(results) -> tuple[int, str]:
    out = io.StringIO()
    code = report(results, Console(file=out, width=160, color_system=None))
    return code, out.getvalue()


def test_all_ready_exits_0():
    code, text = printed(
        [
            CheckResult(
                "kubernetes", "api:6443 (context prod)", True, "v1.30.4", 12.3, ("list pods: yes",)
            )
        ]
    )
    assert code == 0
    assert "api:6443 (context prod)" in text and "v1.30.4" in text and "12 ms" in text
    assert text.rstrip().endswith("all backends ready")


def test_any_problem_exits_1_and_is_printed_per_line():
    code, text = printed(
        [
            CheckResult("kubernetes", "api", True, problems=("forbidden: cannot list pods",)),
            CheckResult("health", "http://{service}/health", False, problems=("api: HTTP 503",)),
        ]
    )
    assert code == 1
    lines = text.splitlines()
    assert "kubernetes: forbidden: cannot list pods" in lines
    assert "health: api: HTTP 503" in lines
    assert lines[-1] == "not ready: kubernetes, health"


def test_a_warning_is_printed_and_summed_up_as_ready_with_warnings_exit_3():
    blind = CheckResult(
        "postgres", "DSN from $PG", True, "16.4", 3.0,
        ("pg_stat_activity: own sessions only (grant pg_monitor)",),
        warnings=("the role sees only its own sessions (grant pg_monitor)",),
    )  # fmt: skip
    code, text = printed([blind, CheckResult("prometheus", "http://prom", True)])
    assert code == 3
    lines = text.splitlines()
    assert "postgres: warning: the role sees only its own sessions (grant pg_monitor)" in lines
    assert lines[-1] == "ready with warnings: postgres"
    assert "all backends ready" not in text
    # a failure wins: not ready, exit 1
    code, text = printed([blind, CheckResult("health", "h", False, problems=("down",))])
    assert code == 1 and text.splitlines()[-1] == "not ready: health"


async def test_a_crashing_or_stuck_check_is_that_backends_failure(monkeypatch):
    async def crash() -> CheckResult:
        raise RuntimeError("could not connect to postgresql://warroom:hunter2@db/x")

    crashed = await check._guarded("postgres", "DSN from $PG", crash())
    assert not crashed.ok and crashed.problems == ("check failed: RuntimeError",)

    monkeypatch.setattr(check, "TIMEOUT", 0.05)
    monkeypatch.setattr(check, "GRACE", 0.0)

    async def stuck() -> CheckResult:
        await asyncio.sleep(5)
        raise AssertionError("not reached")

    late = await check._guarded("prometheus", "http://prom:9090", stuck())
    assert not late.reachable and late.problems == ("no answer within 0.05 s",)


def test_a_narrow_terminal_gets_a_block_per_backend_not_wrapped_cells():
    results = [
        CheckResult(
            "kubernetes",
            "https://kubernetes.prod.example.com:6443 (context prod-eu-west-1)",
            True,
            "v1.30.4",
            12.3,
            ("list pods: yes", "patch deployments: no (forbidden by RBAC)"),
        ),
        CheckResult("postgres", "DSN from $WARROOM_DSN", True, "PostgreSQL 16.4", 3.1),
    ]
    out = io.StringIO()
    code = report(results, Console(file=out, width=80, color_system=None))
    lines = out.getvalue().splitlines()
    assert code == 0
    assert all(len(line) <= 80 for line in lines)
    # each fact whole on one line: nothing folded across lines
    assert "kubernetes  yes  v1.30.4  12 ms" in lines
    assert "  target: https://kubernetes.prod.example.com:6443 (context prod-eu-west-1)" in lines
    assert "  patch deployments: no (forbidden by RBAC)" in lines
    assert "postgres  yes  PostgreSQL 16.4  3 ms" in lines
    # wide enough, the table stays
    _, wide = printed(results[1:])
    assert "backend" in wide and "permissions" in wide
