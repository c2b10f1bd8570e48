"""The services a larger simulated deployment runs beside the guide's four (`demo --services N`).

Names are what a real platform's deployments are called (`payments-api`, `search-indexer`),
chosen under the seed, so a demo, a snapshot and a benchmark of the same size show the same
fleet. A few of them are unhealthy from the start, as some always are at that size: one pod
crash-looping, a 5xx rate past the guide's 5 %, a p95 past 3x its baseline, and from 20
services on, one service down.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

GUIDE_SERVICES = 4  # the guide's own four come first, whatever the size
MAX_SERVICES = 1000  # the most the simulation names: more is no deployment a demo shows

_DOMAINS = (
    "accounts", "audit", "billing", "cart", "catalog", "checkout", "coupons", "email",
    "feature-flags", "geo", "identity", "inventory", "invoices", "ledger", "loyalty", "media",
    "orders", "payments", "pricing", "profiles", "ratings", "recommendations", "refunds",
    "reports", "reviews", "search", "sessions", "shipping", "subscriptions", "tax", "tickets",
    "uploads", "users", "webhooks", "wishlist", "playlists", "royalties", "streams", "artists",
    "charts",
)  # fmt: skip
_KINDS = (
    "api", "worker", "service", "gateway", "indexer", "scheduler", "consumer", "sync",
    "exporter", "cache", "proxy", "cron", "ingest", "router", "notifier", "resizer",
    "aggregator", "archiver", "validator", "publisher", "reconciler", "backfill", "frontend",
    "grpc", "batch",
)  # fmt: skip

Trouble = Literal["pod", "errors", "slow", "down"]


@dataclass(frozen=True)
class FleetService:
    """One extra service: its baselines, size and the trouble it starts with (or None)."""

    name: str
    p95: float  # ms
    error: float  # percent
    uses_db: bool
    replicas: int
    revision: int
    rps: float
    trouble: Trouble | None = None


def fleet(seed: int, count: int) -> list[FleetService]:
    """`count` extra services with realistic names, deterministic under `seed`.

    In: the seed, how many (0..MAX_SERVICES - GUIDE_SERVICES). Out: the services in a stable
    order. Raises ValueError for a count out of range.
    """
    if not 0 <= count <= MAX_SERVICES - GUIDE_SERVICES:
        raise ValueError(f"the simulation runs 4 to {MAX_SERVICES} services")
    rng = random.Random(f"fleet/{seed}")
    names = [f"{d}-{k}" for d in _DOMAINS for k in _KINDS]
    rng.shuffle(names)
    troubles: list[Trouble] = ["pod", "errors", "slow"]
    if count >= 16:
        troubles.append("down")
    # each kind of trouble once, spread through the fleet rather than all at its start
    step = max(count // len(troubles), 1)
    troubled = {i * step + 1: trouble for i, trouble in enumerate(troubles)}
    out = []
    for i, name in enumerate(names[:count]):
        trouble = troubled.get(i)
        out.append(
            FleetService(
                name=name,
                p95=round(rng.uniform(40.0, 400.0), 0),
                error=round(rng.uniform(0.05, 0.6), 2),
                uses_db=False,  # Tracktion's database is the guide's services' own
                replicas=rng.choice((1, 2, 2, 3, 3, 4, 6)),
                revision=rng.randint(1, 40),
                rps=round(rng.uniform(2.0, 300.0), 0),
                trouble=trouble,
            )
        )
    return out
