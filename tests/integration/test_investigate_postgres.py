"""The investigation's database step against a real PostgreSQL with pg_stat_statements
preloaded: slow statements (mean > 1 s, by total time), the guide's largest tables, the
connection time, and the extension's absence said plainly."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from probes.investigate.base import NotConfigured, run_section
from probes.investigate.database import connection_time, largest_tables, slow_statements
from probes.investigate.live import LiveInvestigator

if TYPE_CHECKING:
    from tests.servers.postgres import PgServer


@pytest.fixture
def database(pg_server: PgServer):
    pg_server.psql("DROP DATABASE IF EXISTS investigate")
    pg_server.psql("CREATE DATABASE investigate")
    dsn = pg_server.dsn(dbname="investigate")
    yield pg_server, dsn
    pg_server.psql("DROP DATABASE IF EXISTS investigate WITH (FORCE)")


def sql(pg_server: PgServer, statement: str) -> None:
    pg_server._run(
        pg_server.bin / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg_server.socket_dir,
        "-p", str(pg_server.port), "-U", "postgres", "-d", "investigate", "-c", statement,
    )  # fmt: skip


async def test_the_slow_update_is_found_with_its_calls_and_mean(database) -> None:
    server, dsn = database
    sql(server, "CREATE EXTENSION pg_stat_statements")
    sql(server, "CREATE TABLE tracks (id int PRIMARY KEY, play_count int)")
    sql(server, "INSERT INTO tracks SELECT g, 0 FROM generate_series(1, 20000) g")
    sql(server, "SELECT pg_stat_statements_reset()")
    for _ in range(2):  # an UPDATE that waits 1.1 s each time: mean > 1 s
        sql(
            server,
            "UPDATE tracks SET play_count = play_count + 1 "
            "WHERE id = 48 AND pg_sleep(1.1) IS NOT NULL",
        )
    sql(server, "SELECT count(*) FROM tracks")  # fast: not listed
    found = await slow_statements(dsn, 5.0)
    assert len(found) == 1 and found[0].tone == "bad"
    text = found[0].text
    assert text.startswith("UPDATE tracks SET play_count = play_count + $1 WHERE id = $2")
    assert "calls 2, mean 1.1 s" in text
    tables = await largest_tables(dsn, 5.0)
    assert tables[0].text.startswith("public.tracks ") and "rows written" in tables[0].text
    took = await connection_time(dsn, 5.0)
    assert took[0].text.startswith("connected in ") and took[0].tone == "good"


async def test_without_the_extension_the_step_says_so(database) -> None:
    _, dsn = database
    with pytest.raises(NotConfigured, match="pg_stat_statements extension is absent"):
        await slow_statements(dsn, 5.0)
    investigator = LiveInvestigator(["svc"], now=lambda: None, dsn=dsn, database=True)  # type: ignore[arg-type,return-value]
    findings, unavailable = await run_section(investigator, "database", None)
    assert unavailable == (
        "Slow statements: not configured, the pg_stat_statements extension is absent "
        "(CREATE EXTENSION pg_stat_statements; needs shared_preload_libraries)",
    )
    assert {f.part for f in findings} == {"Largest tables", "Connection"}


async def test_a_refused_connection_costs_only_its_parts(database) -> None:
    investigator = LiveInvestigator(
        ["svc"],
        now=lambda: None,  # type: ignore[arg-type,return-value]
        dsn="host=127.0.0.1 port=1 user=postgres dbname=x",
        database=True,
    )
    findings, unavailable = await run_section(investigator, "database", None, timeout=5.0)
    assert findings == ()
    assert len(unavailable) == 3
    assert all("unavailable, connection refused" in u for u in unavailable), unavailable
