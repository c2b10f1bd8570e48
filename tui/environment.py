"""Every `WARROOM_*` environment variable warroom reads, named here and nowhere else, and the
check that refuses one it does not read.

A typo is otherwise ignored silently: `WARROOM_PG_DNS` for `WARROOM_PG_DSN`, or
`WARROOM_DATA_DRI`, and the console runs without what was meant (another DSN, another data
folder). Such a name is refused in one line naming it and the name it misses (difflib), exit
2, before anything is contacted.

Only a name that can be nothing but a typo is refused: one shaped as a config key
(`WARROOM_<KEY>__<KEY>`) the config does not have, or one near (difflib's ratio >= NEAR)
a fixed name, a one-value config key, or a secret's variable the config names and the
environment does NOT set. A name near a secret's variable that is set, or near none, is
another tool's or another config's (`WARROOM_STAGING_DSN` left in the shell beside the
`WARROOM_PG_DSN` this config names; `WARROOM_DR_DSN` is as near `WARROOM_PG_DSN` as a typo
is) and is left alone: refusing it would stop the console at the worst moment for a variable
it never reads.

The names known:
- the fixed ones below, each read by the module named beside it (exact case, as
  `os.environ.get` reads them);
- the config's keys, `WARROOM_<KEY>__<KEY>…` (tui/config.py: pydantic-settings reads them,
  ignoring case): `CONFIG_KEYS` are the top-level ones, the rest are checked against the
  config's own models by a command that reads the config;
- the variables a config names for its secrets (`database.dsn_env`, a context's `dsn_env`,
  a [notify] channel's `*_env`, [prometheus] headers'): known only to the commands that read
  the config (live, check).
The test suite's and the benchmarks' names are taken, never offered as what a typo meant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

PREFIX = "WARROOM_"
DATA_DIR = "WARROOM_DATA_DIR"  # tui/paths.py: the journals' and crash logs' folder
OPERATOR = "WARROOM_OPERATOR"  # tui/cli.py: who the journal names (also the config's key)
STALL_LOG = "WARROOM_STALL_LOG"  # tui/stall.py: where the UI loop's stalls are written
CHECK_TIMEOUT = "WARROOM_CHECK_TIMEOUT"  # tui/cli.py: seconds live's config check is given
# the test suite's and the benchmarks'
SNAPSHOT_DIR = "WARROOM_SNAPSHOT_DIR"  # tests/conftest.py: where snapshot SVGs are compared
UPDATE_GOLDEN = "WARROOM_UPDATE_GOLDEN"  # tests/unit/test_review.py: rewrite the golden reviews
BENCH_SIZES = "WARROOM_BENCH_SIZES"  # tests/benchmarks: small,medium,large
BENCH_STARTS = "WARROOM_BENCH_STARTS"  # tests/benchmarks/test_live_start.py: starts per size
BENCH_SECONDS = "WARROOM_BENCH_SECONDS"  # tests/benchmarks: seconds each console is measured
BENCH_DSN = "WARROOM_BENCH_DSN"  # tests/benchmarks/test_scale.py: its config's dsn_env
BENCH_BEFORE = "WARROOM_BENCH_BEFORE"  # tests/benchmarks/test_live_start.py: code to compare

PRODUCT = (DATA_DIR, OPERATOR, STALL_LOG, CHECK_TIMEOUT)
# known, never offered as what a typo meant: the commander is never told of the test suite's
DEVELOPMENT = (
    SNAPSHOT_DIR,
    UPDATE_GOLDEN,
    BENCH_SIZES,
    BENCH_STARTS,
    BENCH_SECONDS,
    BENCH_DSN,
    BENCH_BEFORE,
)
FIXED = PRODUCT + DEVELOPMENT

# the config's top-level keys (tui/config.py Config: a unit test holds them equal)
CONFIG_KEYS = (
    "cluster",
    "prometheus",
    "database",
    "refresh",
    "operator",
    "notify",
    "investigate",
    "escalation",
    "keys",
    "contexts",
)

# the top-level keys that take one value, and so a variable of their own name
# (`WARROOM_REFRESH`); the others are tables, set by `WARROOM_<KEY>__<KEY>`
SCALAR_KEYS = ("refresh",)  # `operator` too, but it is a fixed name (OPERATOR)

NEAR = 0.8  # difflib's ratio from which a name is a near miss of another (one or two typos)


def theirs(environ: Mapping[str, str]) -> list[str]:
    """The variables of `environ` warroom may read: named `WARROOM_…` in any case (the
    config's keys are read ignoring case), in a stable order."""
    return sorted(name for name in environ if name.upper().startswith(PREFIX))


def _config_key(name: str) -> str:
    return name[len(PREFIX) :].split("__", 1)[0].lower()


def near_miss(environ: Mapping[str, str]) -> str | None:
    """For a command that does not read the config: the one line refusing the first
    variable that is no name known here and is a near miss of a fixed name warroom reads;
    None when there is none."""
    return _first_typo(environ, (), None, lambda name: [])


def unknown(
    environ: Mapping[str, str],
    named: Iterable[str],
    config_reads: Callable[[str], bool],
    config_names: Callable[[str], list[str]],
) -> str | None:
    """For a command that reads the config: the one line refusing the first variable that
    can be nothing but a typo (the module's rule): none of the fixed names, none the config
    names (`named`), no config key (`config_reads(name)`, tui/config.py), and either shaped
    as a config key or a near miss of a fixed name, a one-value config key or a named
    variable `environ` does not set. The name meant is said, among those and `config_names(name)`
    (the config's keys spelled as near to `name` as they can be). None when there is none."""
    return _first_typo(environ, named, config_reads, config_names)


def _first_typo(
    environ: Mapping[str, str],
    named: Iterable[str],
    config_reads: Callable[[str], bool] | None,
    config_names: Callable[[str], list[str]],
) -> str | None:
    """The rule of both: `config_reads` None for a command that reads no config."""
    named = set(named)
    # warroom's own names are distinct enough to be missed only by a typo; the secrets'
    # (`WARROOM_PG_DSN`, `WARROOM_DR_DSN`) are not, so only one not set can have been meant
    meant = [*PRODUCT, *(n for n in sorted(named) if n not in environ)]
    if config_reads is not None:
        meant += [f"{PREFIX}{key.upper()}" for key in SCALAR_KEYS]
    for name in theirs(environ):
        if name in FIXED or name in named:
            continue
        keyed = "__" in name[len(PREFIX) :] or _config_key(name) in CONFIG_KEYS
        if config_reads is None and keyed:
            continue  # a config's key: this command reads none
        if config_reads is not None and config_reads(name):
            continue
        if config_reads is not None and "__" in name[len(PREFIX) :]:
            return _line(name, _nearest(name, config_names(name)))  # no such key
        found = _nearest(name, meant, NEAR)
        if found is not None:
            return _line(name, found)
    return None


def _nearest(name: str, names: list[str], cutoff: float = 0.0) -> str | None:
    from difflib import get_close_matches

    found = get_close_matches(name.upper(), [n.upper() for n in names], n=1, cutoff=cutoff)
    if not found:
        return None
    return next(n for n in names if n.upper() == found[0])


def _line(name: str, nearest: str | None) -> str:
    from state.text import inert

    said = inert(name, limit=120)
    hint = f" (did you mean {nearest}?)" if nearest else ""
    return (
        f"{said}: not a variable warroom reads{hint}; rename it, or unset it "
        "(a secret's variable is named in the config)"
    )
