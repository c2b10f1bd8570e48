"""The command line: `warroom demo`, and the subcommands later work adds to this group."""

from __future__ import annotations

import getpass
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

# warroom uses no pydantic plugins; looking for them scans every installed distribution's
# metadata, a visible share of start-up. Set before pydantic is first imported.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import click

from probes.simulated.scenario_files import DEFAULT_SCENARIO, DEFAULT_SEED
from tui import __version__, environment, startup
from tui.errors import BAD_INPUT, fail
from tui.paths import config_file

if TYPE_CHECKING:
    from tui.contexts import Selected

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reads from `ls | head`'s `ls`


def operator_name() -> str:
    """Who the journal names: $WARROOM_OPERATOR, else the login name. A name past
    MAX_OPERATOR is bad input (one line naming the variable, exit 2)."""
    from tui.environment import OPERATOR
    from tui.operator_name import operator_problem

    named = os.environ.get(OPERATOR)
    problem = operator_problem(named or "", OPERATOR)
    if problem is not None:
        fail(problem)
    return named or getpass.getuser()


def run_console(app, journal=None) -> NoReturn:
    """Run the console, close its journal, print what it leaves (a drill's score card), and say
    where the journal is.

    A session that failed to open after the first frame is reported here, once the terminal
    is restored, as any bad input is: one line, exit code 2 (`Group.invoke`). `journal` is
    the one a session opening after the first frame would have used, for a console that
    ended (quit, hang-up) before it did.
    """
    require_terminal(journal)
    code = app.run()
    if app.open_failure is not None:
        if callable(getattr(app.open_failure, "lines", None)):
            # a config changed between its check and the opening (tui/config.py ConfigError)
            config_failed(app.open_failure)
        raise app.open_failure
    if app.opened:
        journal = app.recorder.journal
    farewell = app.farewell() if app.crash is None else None
    if farewell:
        click.echo(farewell)
    lost = ""
    if journal is not None:
        journal.close()
        if app.crash is None:
            click.echo(f"journal: {journal.path}")
        if journal.holding is not None:  # the file never took them: say so, never silently
            from tui.unrecorded import ends_at, lost_line

            if app.crash is None:
                click.echo(lost_line(journal.holding, journal.path), err=True)
            else:  # in the crash's one line, instead of "keeps the session"
                lost = ends_at(journal.holding, journal.path)
    ended(app, code, journal.path if journal else None, lost)


def require_terminal(journal=None) -> None:
    """The console draws on a terminal and reads its keys from one: with stdin or stdout not
    a terminal (a pipe, a cron job, `nohup … &`) refuse in one line, exit 2, rather than spin
    on a screen nobody sees. Checked once the input is (one bad input is said as such); a
    journal opened for this run that holds no event yet is closed and removed, as nothing
    in it can be lost."""
    if has_terminal():
        return
    if journal is not None:
        from state.journal.store import remove_files

        empty = journal.count() == 0
        journal.close()
        if empty:
            remove_files(journal.path)
    fail(
        "the console needs a terminal: stdin and stdout must both be one (for a journal's"
        " review without one: warroom export JOURNAL)"
    )


def has_terminal() -> bool:
    """stdin and stdout both a terminal, as the console needs."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def ended(app, code: int | None, journal: Path | None = None, lost: str = "") -> NoReturn:
    """Exit as the console ended: a crash in one line and 70 (tui/crash.py), else its code.
    `lost`: what the journal does not keep, said in that line (tui/unrecorded.py)."""
    if app.crash is not None:
        from tui.crash import EXIT_CRASH, one_line, traceback_text

        error, log = app.crash
        if _debugging():
            click.echo(traceback_text(error), err=True, nl=False)
        click.echo(one_line(error, log, journal, lost), err=True)
        sys.exit(EXIT_CRASH)
    sys.exit(code or 0)


def _debugging() -> bool:
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("debug"))


class Group(click.Group):
    """Turns any expected failure into one line and exit code 2; a traceback only with --debug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # its reader left early (`warroom journals | head`): no bug
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit's flush
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:
            if _bad_input(exc):
                if ctx.params.get("debug"):
                    traceback.print_exc()
                fail(str(exc))
            # a bug: one line and where its traceback went, as a console's
            from tui.crash import EXIT_CRASH, one_line, report, traceback_text

            if ctx.params.get("debug"):
                click.echo(traceback_text(exc), err=True, nl=False)
            click.echo(one_line(exc, report(exc, "warroom failed")), err=True)
            sys.exit(EXIT_CRASH)


def _bad_input(exc: Exception) -> bool:
    """A scenario or a journal that cannot be used (their errors' own light modules: the
    journal's store loads only as a session opens, after `warroom live`'s first frame)."""
    from probes.simulated.scenario_files import ScenarioError
    from state.journal.errors import JournalError

    return isinstance(exc, (ScenarioError, JournalError))


@click.group(
    cls=Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="warroom")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """warroom: the incident commander's console. With no command, runs `warroom live`."""
    if ctx.invoked_subcommand not in (None, "live", "check", "config"):
        # these read no config: a near miss of warroom's own names is refused (live and check
        # judge the config's keys and secrets too, once the config says which it names)
        from tui.environment import near_miss

        mistyped = near_miss(os.environ)
        if mistyped is not None:
            fail(mistyped)
    if ctx.invoked_subcommand is None:
        ctx.invoke(live)


# Paths are taken as given: warroom checks them itself (a directory, a file it cannot read,
# one that is not a journal) and says what is wrong in its own one line, not click's usage.
PATH = click.Path(path_type=Path, readable=False)

SEED_OPTION = click.option(
    "--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the simulation."
)
SPEED_OPTION = click.option(
    "--speed",
    type=click.FloatRange(min=0.1, max=600),
    default=1.0,
    show_default=True,
    help="How much faster than real time the simulation runs (the guide's targets stay in "
    "simulated time).",
)
SIMULATED_JOURNAL_OPTION = click.option(
    "--journal",
    type=PATH,
    help="Journal file; an existing one of the same kind is resumed.",
)


@main.command()
@click.option(
    "--scenario", default=DEFAULT_SCENARIO, show_default=True, help="Scenario name or .toml file."
)
@SEED_OPTION
@SPEED_OPTION
@SIMULATED_JOURNAL_OPTION
@click.option("--read-only", is_flag=True, help="Offer no action that changes anything.")
@click.option(
    "--services",
    type=click.IntRange(min=4, max=1000),
    default=4,
    show_default=True,
    help="How many services the simulated deployment runs: the guide's four, then a fleet "
    "with realistic names, a few of them unhealthy.",
)
@startup.held()  # the collector paused until the session is open (tui/startup.py)
def demo(
    scenario: str, seed: int, speed: float, journal: Path | None, read_only: bool, services: int
) -> None:
    """Run the console on the built-in simulated Tracktion cluster."""
    from tui.opening import session_start

    asked = click.get_current_context().get_parameter_source("scenario")
    start = session_start(
        "demo",
        journal,
        operator_name(),
        scenario=scenario,
        seed=seed,
        speed=speed,
        services=services,
        scenario_asked=asked is not click.core.ParameterSource.DEFAULT,
    )
    from tui.app import WarroomApp

    def opening():  # just after the first frame: the models, the fold, the simulation
        from tui.demo import demo_wiring

        try:
            return demo_wiring(start)
        finally:
            startup.release()

    app = WarroomApp(
        opening=opening,
        operator=start.operator,
        read_only=read_only,
        badge="DEMO",
        speed=speed,
        keymap=user_keymap(),
    )
    run_console(app, start.journal)


# ---- live mode and its configuration ----------------------------------------------------------

CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=PATH,
    help="Config file (default: config.toml in the user config folder).",
)


def load_config(path: Path | None, *, secrets: bool = False, **command_line):
    """The validated config as it applies to the chosen context (tui/contexts.py), with the
    command line's values: a `Selected`. Every problem on stderr, exit 2.

    With `secrets`, a [notify] channel whose secret is not in the environment is a problem too.
    """
    from tui.config import ConfigError

    try:
        return _selected(path, secrets, command_line)
    except ConfigError as exc:
        config_failed(exc)


def _selected(path: Path | None, secrets: bool, command_line: dict) -> Selected:
    """`load_config`'s Selected; raises ConfigError."""
    from tui.config import load, refuse_unknown_variables, require_secrets
    from tui.contexts import select
    from tui.crash import keep_config_secrets

    config = load(path)
    refuse_unknown_variables(config)
    selected = select(config, path, **command_line)
    if secrets:
        require_secrets(selected.config, path)
    # never in a crash log, whatever their variables are called
    keep_config_secrets(selected.config)
    return selected


CONTEXT_OPTION = click.option(
    "--context",
    help="Kubeconfig context: one of the config's [contexts.NAME], whose rules then apply "
    "(default: [cluster].context, else the kubeconfig's current one).",
)


def config_failed(exc) -> NoReturn:
    """Every problem of a config on stderr, one line each; exit 2."""
    _refused(exc.lines())


def _refused(lines: list[str]) -> NoReturn:
    from state.text import inert

    for line in lines:  # a config's values echoed back: outside text
        click.echo(f"warroom: {inert(line)}", err=True)
    sys.exit(BAD_INPUT)


def user_keymap() -> dict[str, str]:
    """The [keys] of the commander's config file, for demo, drill and replay; {} without one.
    A table that cannot be applied is refused as live refuses it: one line each, exit 2."""
    from tui.keys import load_keymap

    keymap, problems = load_keymap()
    if problems:
        from state.text import inert

        for problem in problems:  # a config's values echoed back: outside text
            click.echo(f"warroom: {inert(f'{config_file()}: {problem}')}", err=True)
        sys.exit(BAD_INPUT)
    return keymap


@main.command()
@CONFIG_OPTION
@CONTEXT_OPTION
@click.option("--namespace", help="Namespace (default: the config's, else the context's).")
@click.option(
    "--read-only", is_flag=True, default=None, help="Offer no action that changes anything."
)
@click.option(
    "--allow-writes",
    is_flag=True,
    help="Offer actions on a context the config marks read-only; the journal records it.",
)
@click.option(
    "--journal",
    type=PATH,
    help="Journal file; an existing live journal is resumed.",
)
@startup.held()  # until the session is open (tui/startup.py), in the config's check too
def live(
    config_path: Path | None,
    context: str | None,
    namespace: str | None,
    read_only: bool | None,
    allow_writes: bool,
    journal: Path | None,
) -> None:
    """Watch the configured cluster, metrics and database live."""
    from functools import partial

    from tui.aside import Aside

    command_line = {
        "context": context,
        "namespace": namespace,
        "read_only": read_only,
        "allow_writes": allow_writes,
    }
    # the config is checked in full aside (pydantic and the config's models, in a child at a
    # lower CPU priority) while the console's own modules load and draw here: the first frame
    # waits for no check, and the session opens (journal, probes, backends) only once the
    # check said yes. What both load (asyncio with ssl and logging, typing_extensions,
    # fractions, tomllib: Textual's and pydantic-settings') is loaded once, before the fork
    import asyncio  # noqa: F401
    import fractions  # noqa: F401
    import tomllib  # noqa: F401

    import typing_extensions  # noqa: F401

    checking = Aside(partial(_live_settings, config_path, command_line))
    try:
        _live_console(checking, config_path, command_line, journal)
    finally:
        checking.close()  # a console quit before the check answered: its child ends too


def _live_console(checking, config_path: Path | None, command_line: dict, journal) -> NoReturn:
    """Live's console, drawn at once, its session opened once `checking` says the config is
    good. A config whose file cannot be read, is not TOML or whose [keys] cannot be applied
    (found without pydantic), or a process without a terminal, waits for the check here
    instead: refused before the terminal is taken over."""
    from tui.app import WarroomApp
    from tui.aside import AsideFailed

    settings: dict = {}
    timeout = check_timeout()
    keymap = _keys_at_once(config_path)
    if keymap is None or not has_terminal():
        try:
            settings = _checked(checking.result(timeout))
        except AsideFailed as exc:
            config_failed(_no_answer(exc, config_path))
        except CheckRefused as exc:
            config_failed(exc)
        keymap = settings["keys"]
    start = None
    if not has_terminal():  # no console to draw: the journal is refused, if so, as ever
        start = _live_start(journal, settings)

    async def ready() -> None:  # once drawn: the check's answer, then the session may open
        if not settings:
            try:
                answer = await checking.answer(timeout)
            except AsideFailed as exc:
                raise _no_answer(exc, config_path) from None
            for key, value in _checked(answer).items():  # a dict, filled in place: the
                settings[key] = value  # markup-sink check reads any .update() as a widget's
            app.settle(
                operator=settings["operator"],
                read_only=settings["read_only"],
                escalation_mode=settings["escalation"],
            )

    def opening():  # just after the check: the journal, the config's objects, the probes
        from tui.live import live_wiring

        try:  # the config read again first: one changed since its check creates no journal
            selected = _selected(config_path, True, command_line)
            return live_wiring(start or _live_start(journal, settings), selected)
        finally:
            startup.release()

    app = WarroomApp(
        opening=opening,
        ready=ready,
        operator=settings.get("operator") or operator_name(),
        read_only=settings.get("read_only", bool(command_line["read_only"])),
        escalation_mode=settings.get("escalation", "prompt"),
        badge="LIVE",
        keymap=keymap,
    )
    run_console(app, start.journal if start else None)


def _live_start(journal: Path | None, settings: dict):
    from tui.opening import session_start

    return session_start("live", journal, settings["operator"], label=settings["label"])


# seconds the config's check is given by default: it reads local files only, a 20,000-service
# config within 10 s; past this a file on a stalled mount is the likely cause
CHECK_TIMEOUT = 60.0


def check_timeout() -> float:
    """Seconds the config's check is given: `WARROOM_CHECK_TIMEOUT`, else CHECK_TIMEOUT.
    A value that is no number of seconds above 0 is refused in one line, exit 2."""
    import math

    given = os.environ.get(environment.CHECK_TIMEOUT)
    if not given:
        return CHECK_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        from state.text import inert

        said = inert(given, limit=40)
        fail(f"{environment.CHECK_TIMEOUT}: {said!r} is not a number of seconds above 0")
    return seconds


class CheckRefused(Exception):
    """Live's config refused by its check, or a check that gave no answer: its lines."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self._lines = lines

    def lines(self) -> list[str]:
        return self._lines


def _checked(answer: dict) -> dict:
    """The check's settings; raises CheckRefused with each problem's line."""
    if "problems" in answer:
        raise CheckRefused(answer["problems"])
    return answer


def _no_answer(failed: Exception, path: Path | None) -> CheckRefused:
    """The one line of a check that gave no answer (tui/aside.py AsideFailed)."""
    where = path or config_file()
    return CheckRefused([f"{where}: the config's check {failed}; nothing was opened"])


def _keys_at_once(path: Path | None) -> dict[str, str] | None:
    """The config's [keys] for the first frame, read without pydantic; None when the file
    cannot be read or its keys applied, which the check says in its own lines."""
    from tui.keys import load_keymap

    if not (path or config_file()).is_file():
        return None
    keymap, problems = load_keymap(path)
    return None if problems else keymap


def _live_settings(path: Path | None, command_line: dict) -> dict:
    """What live needs of its config, checked aside (tui/aside.py), as JSON: the settings
    its console runs with, or {"problems": lines} for a config it refuses."""
    from tui.config import ConfigError
    from tui.contexts import label

    try:
        selected = _selected(path, True, command_line)
    except ConfigError as exc:
        return {"problems": exc.lines()}
    config = selected.config
    return {
        "operator": config.operator or operator_name(),
        "label": label(selected),
        "read_only": selected.read_only,
        "escalation": config.escalation,
        "keys": dict(config.keys),
    }


@main.command()
@CONFIG_OPTION
@CONTEXT_OPTION
def check(config_path: Path | None, context: str | None) -> None:
    """Connect to each configured backend and report whether live mode can use it.

    Exit status: 0 all ready, 1 not ready, 2 bad config, 3 ready with warnings."""
    import asyncio

    from rich.console import Console

    from tui.check import report, run_checks, scope

    selected = load_config(config_path, context=context)
    # piped output is read by people and grep alike: wide enough that no row wraps
    width = None if sys.stdout.isatty() else 160
    console = Console(highlight=False, width=width)
    scope(selected, console)
    results = asyncio.run(run_checks(selected.config))
    sys.exit(report(results, console))


@main.group("config")
def config_group() -> None:
    """Create the config file, or show where it is."""


@config_group.command("init")
@CONFIG_OPTION
def config_init(config_path: Path | None) -> None:
    """Write a commented starting config (never over an existing one)."""
    from tui.config import default_path, write_template

    path = config_path or default_path()
    if path.is_dir():
        fail(f"{path} is a directory: pass --config with the path of the file to write")
    try:
        write_template(path)
    except FileExistsError:
        fail(f"{path} already exists: edit it, or pass --config NEW_PATH")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    click.echo(f"wrote {path}: list your services in it, then run `warroom check`")


@config_group.command("path")
def config_path_command() -> None:
    """Print where warroom looks for its config."""
    from tui.config import default_path

    click.echo(str(default_path()))


@main.command()
@click.argument("journal", type=PATH)
@click.option("--at", "at_time", help="Start at this time (HH:MM:SS or ISO 8601, UTC).")
def replay(journal: Path, at_time: str | None) -> None:
    """Replay a journal as it looked, read-only; a journal being written is tailed."""
    from state.journal.replay import Replay
    from state.journal.store import Journal, nothing_recorded

    source = Journal.open(journal, read_only=True)
    try:
        record = Replay(source)
        if record.last_seq == 0:
            fail(str(nothing_recorded(journal)))
        start = None
        if at_time:
            from widgets.replay_dialogs import parse_time

            start = parse_time(at_time, record.instant(record.start))
            if start is None:
                fail(f"--at {at_time!r} is not a time: use HH:MM:SS or ISO 8601")
        from tui.replay import ReplayApp

        app = ReplayApp(record, start, user_keymap())
        require_terminal()
        code = app.run()
    finally:
        source.close()
    ended(app, code)


# ---- after a session: its review, and the list of past sessions -------------------------------


@main.command("export")
@click.argument("journal", type=PATH)
@click.option(
    "--out",
    type=PATH,
    default=Path("."),
    show_default="the current folder",
    help="Folder for the review files; created if missing.",
)
@click.option("--force", is_flag=True, help="Overwrite review files that differ (edited ones).")
def export_command(journal: Path, out: Path, force: bool) -> None:
    """Write a journal's post-incident review, action items and review meeting invite."""
    from tui.export import export

    export(journal, out, force)


@main.command("journals")
def journals_command() -> None:
    """List the past sessions in the data folder, newest first."""
    from tui.journals import journals

    journals()


@main.command()
@click.argument("scenario", required=False)
@click.option("--list", "list_", is_flag=True, help="List the drills.")
@click.option("--answers", is_flag=True, help="With --list: the expected severity and fix.")
@SEED_OPTION
@SPEED_OPTION
@SIMULATED_JOURNAL_OPTION
def drill(
    scenario: str | None, list_: bool, answers: bool, seed: int, speed: float, journal: Path | None
) -> None:
    """Run a scenario as a scored training drill (Wheel of Misfortune)."""
    from probes.simulated.scenario import available, load

    if list_:
        for name in available():  # the answers are for the instructor, not the trainee
            plan = load(name)
            click.echo(f"{name:<28} {plan.title}")
            if answers:
                fix = ", ".join(
                    f"{r.action} {r.target or ''}".strip() for r in plan.accepted_remediations
                )
                click.echo(f"{'':<28} expects {plan.expected_severity.label}; fix: {fix}")
        return
    if not scenario:
        fail("name a scenario (warroom drill --list shows them)")
    from tui.drill import drill_console
    from tui.opening import session_start

    start = session_start(
        "drill",
        journal,
        operator_name(),
        scenario=scenario,
        seed=seed,
        speed=speed,
        scenario_asked=True,
    )
    run_console(drill_console(start, user_keymap()), start.journal)
