"""Where scenarios live, and which name means which file: checked before the console draws.

Parsing and validating a scenario (probes/simulated/scenario.py) needs pydantic; finding it
does not, so an unknown name is refused before the terminal is taken over.
"""

from __future__ import annotations

from pathlib import Path

SCENARIO_DIR = Path(__file__).with_name("scenarios")
DEFAULT_SCENARIO = "bad-deploy"  # what demo and drill run unless told
DEFAULT_SEED = 7  # the simulation's seed unless told


class ScenarioError(Exception):
    """A scenario that cannot be used, in one line that names the field."""


def available() -> list[str]:
    """The names of the built-in scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def is_builtin(name_or_path: str | Path) -> bool:
    """A name (`bad-deploy`) rather than a scenario file (`my-drill.toml`)."""
    return Path(name_or_path).suffix != ".toml"


def scenario_file(name_or_path: str | Path) -> Path:
    """The file of a built-in scenario by name, or the scenario file given by path."""
    if not is_builtin(name_or_path):
        return Path(name_or_path)
    path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(available())
        raise ScenarioError(f"unknown scenario {str(name_or_path)!r} (known: {known})")
    return path
