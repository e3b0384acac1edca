"""Typer application: `serve`, `status`, `config check`, `demo`, `simulate`, and the sub-apps.

Sub-apps (`partners`, `signals`, …) live in their own modules and are registered below with one line each.
Every failure ends as one line saying what to do and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape

from fera import __version__
from fera.cli._common import ConfigOption, console, errors, fail, load
from fera.cli._logging import LoggerLevelsOption, LogLevelOption, serve_log_args
from fera.cli.locations import locations_app
from fera.cli.partners import partners_app
from fera.cli.serve import serve
from fera.cli.signals import signals_app
from fera.cli.simulate import simulate
from fera.cli.status import status
from fera.cli.tokens import tokens_app

__all__ = ["app", "main"]

# Click's exceptions, wherever this Typer keeps Click (its own copy since 0.22): found from a public one.
_CLICK: dict[str, type[Exception]] = {
    c.__name__: c for c in typer.BadParameter.__mro__ if issubclass(c, Exception)
}
ClickException, UsageError = _CLICK["ClickException"], _CLICK["UsageError"]

app = typer.Typer(help="FERA: smart charging over OCPI 2.2.1.", no_args_is_help=True, add_completion=False)
config_app = typer.Typer(help="Node configuration files.", no_args_is_help=True)


def _version(show: bool) -> None:
    if show:
        console.print(f"fera {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """FERA: smart charging over OCPI 2.2.1 (CPO, eMSP and SCSP roles on one node)."""


@config_app.command("check")
def config_check(config: ConfigOption) -> None:
    """Validate a node's configuration: every error with its key path; unknown tables and keys refused."""
    cfg = load(config)
    roles = ", ".join(str(r.party) for r in cfg.roles)
    console.print(f"{escape(str(config))}: OK — node {cfg.name} ({roles}), {len(cfg.stations)} stations")


app.command()(serve)  # defined in its own module; listed first, as the command a node starts with


@app.command()
def demo(
    speed: Annotated[
        float | None,
        typer.Option(
            min=1, help="Simulated seconds per real second (default: 480; slower on a busy machine)."
        ),
    ] = None,
    stations: Annotated[
        int, typer.Option(min=2, help="Simulated stations (two sites, 1.6/2.0.1, AC + DC).")
    ] = 6,
    seed: Annotated[int, typer.Option(help="Seed of the EV arrivals.")] = 7,
    duration: Annotated[float, typer.Option(min=1, help="Simulated hours, from 06:00.")] = 14.0,
    evs: Annotated[int | None, typer.Option(min=1, help="EVs over the day (default: 3 per station).")] = None,
    workdir: Annotated[Path | None, typer.Option(help="Where configs, databases and logs go.")] = None,
    preferences: Annotated[
        bool,
        typer.Option(
            help="Drivers state departure and energy need through the eMSP (the CPO serves them first)."
        ),
    ] = False,
    keep_running: Annotated[
        bool,
        typer.Option(
            help="Keep the nodes (and dashboards) up after the report until Ctrl-C (exit code: the report's)."
        ),
    ] = False,
    log_level: LogLevelOption = "info",
    log: LoggerLevelsOption = None,
) -> None:
    """CPO, eMSP and SCSP nodes, simulated stations and a day of EVs: all three topologies at once."""
    from fera.demo import Scenario, run_demo
    from fera.demo.scenario import SPEED, auto_speed, machine_load

    if workdir is not None and workdir.exists() and not workdir.is_dir():
        fail(f"--workdir {workdir} is a file: give a directory", 2)
    if speed is None:
        load, cores = machine_load(), os.cpu_count() or 1
        if (speed := auto_speed(load, cores)) != SPEED:
            console.print(
                f"Speed x{speed:g}, not x{SPEED:g}: the machine is busy (load {load:.1f} on "
                f"{cores} cores); --speed sets it"
            )
    scenario = Scenario(
        speed=speed, stations=stations, seed=seed, hours=duration, evs=evs, preferences=preferences
    )
    try:
        logs = serve_log_args(log_level, log)  # each node's, in its log in the workdir
        report = asyncio.run(run_demo(console, scenario, workdir, keep_running=keep_running, serve_args=logs))
    except KeyboardInterrupt:
        console.print("[yellow]Interrupted before the report: every node process was ended.[/]")
        raise typer.Exit(130) from None
    except (RuntimeError, OSError) as exc:
        fail(f"the demo stopped: {exc}")
    raise typer.Exit(0 if report.passed else 1)  # the report named every failed check


# Commands and sub-apps defined in their own modules (one line each; `fera --help` lists them in this order).
app.command()(status)
app.add_typer(config_app, name="config")
app.add_typer(partners_app, name="partners")
app.add_typer(locations_app, name="locations")
app.add_typer(tokens_app, name="tokens")
app.add_typer(signals_app, name="signals")
app.command()(simulate)


def _unexpected(exc: Exception) -> None:
    """Last resort for `fera` itself: one line, and the traceback only when FERA_DEBUG is set."""
    if os.environ.get("FERA_DEBUG"):
        raise exc
    errors.print(
        f"[red]Error:[/] unexpected {type(exc).__name__}: {escape(str(exc))} "
        "(run with FERA_DEBUG=1 for the traceback, and please report it)",
        soft_wrap=True,
    )
    raise SystemExit(1)


def _usage(exc: Any) -> NoReturn:
    """Click's usage errors (a missing option, a bad value, an unknown command) as one line naming the help
    to read, instead of its boxed usage text. A group called without a command has printed its help."""
    if type(exc).__name__ != "NoArgsIsHelpError":
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else "fera"
        errors.print(
            f"[red]Error:[/] {escape(exc.format_message())} (see '{escape(command)} --help')", soft_wrap=True
        )
    raise SystemExit(exc.exit_code)


def main() -> None:
    """`fera`: the app without Click's standalone mode, so every way out is ours to word (one line)."""
    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        _usage(exc)
    except ClickException as exc:  # e.g. a file argument naming a file that cannot be read
        failed: Any = exc
        errors.print(f"[red]Error:[/] {escape(failed.format_message())}", soft_wrap=True)
        raise SystemExit(failed.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):  # end of input at a prompt, or Ctrl-C outside a command
        errors.print("[yellow]Interrupted.[/]")
        raise SystemExit(130) from None
    except Exception as exc:  # anything the commands did not translate: still no traceback by default
        _unexpected(exc)
    raise SystemExit(code if isinstance(code, int) else 0)
