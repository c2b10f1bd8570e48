"""The command line: `warroom demo`, and the subcommands later work adds to this group."""

from __future__ import annotations

import getpass
import os
import sys
import traceback
from pathlib import Path

import click

from tui import __version__

BAD_INPUT = 2


def operator_name() -> str:
    return os.environ.get("WARROOM_OPERATOR") or getpass.getuser()


def fail(message: str) -> None:
    """One line on stderr that says what is wrong; exit code 2."""
    click.echo(f"warroom: {message}", err=True)
    sys.exit(BAD_INPUT)


class Group(click.Group):
    """Turns any expected failure into one line and exit code 2; a traceback only with --debug."""

    def invoke(self, ctx: click.Context):
        from probes.simulated.scenario import ScenarioError
        from state.journal import JournalError

        try:
            return super().invoke(ctx)
        except (ScenarioError, JournalError) as exc:
            if ctx.params.get("debug"):
                traceback.print_exc()
            fail(str(exc))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="warroom")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """warroom: the incident commander's console."""


@main.command()
@click.option(
    "--scenario", default="bad-deploy", show_default=True, help="Scenario name or .toml file."
)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the simulation.")
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1, max=600),
    default=1.0,
    show_default=True,
    help="How much faster than real time the simulation runs.",
)
@click.option(
    "--journal",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Journal file; an existing demo journal is resumed.",
)
def demo(scenario: str, seed: int, speed: float, journal: Path | None) -> None:
    """Run the console on the built-in simulated Tracktion cluster."""
    from tui.demo import demo_probes, open_demo

    session = open_demo(scenario, seed, speed, journal, operator_name())
    from tui.app import WarroomApp

    app = WarroomApp(
        session.recorder,
        session.clock,
        operator=operator_name(),
        probes=demo_probes(session),
        badge="DEMO",
        speed=speed,
    )
    code = app.run()
    session.recorder.journal.close()
    click.echo(f"journal: {session.recorder.journal.path}")
    sys.exit(code or 0)
