"""The pure parts of the PostgreSQL and Prometheus probes: redaction and reply parsing."""

from __future__ import annotations

import math

import pytest

from probes.postgres.connection import redact, secrets_of, target_of
from probes.prometheus.probe import PrometheusError, instant_values, public_url, range_series


@pytest.mark.parametrize(
    "text",
    [
        "invalid dsn: host=db password=hunter2-long port=x",
        "invalid dsn: host=db password = 'hunter2-long' port=x",
        "invalid dsn: host=db PASSWORD='hunter2\\'-long' port=x",
        "invalid URI postgresql://app:hunter2-long@db:5432/x",
        "invalid URI postgres://app:hunter2-long@with@at@db/x",
    ],
)
def test_redact_masks_passwords(text: str) -> None:
    out = redact(text)
    assert "hunter2" not in out and "***" in out


def test_redact_masks_known_secrets_and_stays_one_line() -> None:
    dsn = "host=db user=app password=Tr0ub4dor-3"
    assert secrets_of(dsn) == ("Tr0ub4dor-3",)
    assert redact("failed for Tr0ub4dor-3\n\x1b[31mhint", secrets_of(dsn)) == "failed for *** hint"
    assert target_of("postgresql://app:Tr0ub4dor-3@db:5433/shop") == "db:5433/shop"


def test_values_keep_nan_and_inf() -> None:
    data = {
        "resultType": "vector",
        "result": [
            {"metric": {"service": "a"}, "value": [1, "NaN"]},
            {"metric": {"service": "b"}, "value": [1, "+Inf"]},
            {"metric": {"service": "c"}, "value": [1, "-Inf"]},
            {"metric": {"service": "d"}, "value": [1, "0"]},
            {"metric": {}, "value": [1, "2.5"]},
        ],
    }
    values = instant_values(data)
    assert math.isnan(values["a"])
    assert values["b"] == math.inf and values["c"] == -math.inf
    assert values["d"] == 0.0 and values["all"] == 2.5
    assert instant_values({"resultType": "vector", "result": []}) == {}
    with pytest.raises(PrometheusError, match="malformed"):
        instant_values({"resultType": "vector"})


def test_range_aligns_on_steps_with_gaps_as_none() -> None:
    data = {
        "resultType": "matrix",
        "result": [{"metric": {"service": "a"}, "values": [[102, "1"], [106, "NaN"]]}],
    }
    series = range_series(data, start=100.0, step=2.0, points=4)
    assert series["a"][:2] == (None, 1.0) and math.isnan(series["a"][3])
    assert series["a"][2] is None


def test_public_url_drops_credentials() -> None:
    assert public_url("https://u:p4ss@prom:9090/x") == "https://prom:9090/x"


def test_values_come_by_service_whatever_order_the_vector_gives(tmp_path) -> None:
    """Prometheus gives a vector's series in no set order: a sample whose values did not
    change is journaled as a few bytes, not as 300 services' new order."""
    import sqlite3
    from contextlib import closing
    from datetime import UTC, datetime, timedelta

    from state.events import MetricSampled
    from state.journal.codec import KEY, ROWS
    from state.journal.store import Journal

    vector = [
        {"metric": {"service": f"svc-{i:04}"}, "value": [1, str(0.03 * (1 + i % 3))]}
        for i in range(300)
    ]
    orders = [vector, vector[::-1], vector[1::2] + vector[::2]]
    start = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
    samples = [
        MetricSampled(
            at=start + timedelta(seconds=2 * i),
            metric="latency",
            values=instant_values({"resultType": "vector", "result": order}),
        )
        for i, order in enumerate(orders)
    ]
    assert [list(s.values) for s in samples] == [sorted(s.values) for s in samples]
    path = tmp_path / "j.warroom"
    journal = Journal.create(path)
    for sample in samples:
        journal.append(sample)
    journal.close()
    with Journal.open(path, read_only=True) as read:
        assert list(read.events()) == samples
    with closing(sqlite3.connect(path)) as db:
        stored = db.execute("SELECT encoding, length(body) FROM events ORDER BY seq")
        (first, *then) = stored.fetchall()
    assert first[0] == KEY and first[1] > 400
    assert then and all(encoding == ROWS and size < 80 for encoding, size in then)
