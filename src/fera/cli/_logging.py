"""How a FERA process logs: `--log-level` sets FERA's loggers (`fera.*`) and uvicorn's, `--log LOGGER=LEVEL`
one logger (a module's DEBUG lines without everybody's); every line goes to stderr in one plain format.

Other libraries' loggers stay at WARNING unless `--log` names them (`--log httpx=info`). Every FERA logger is
named after its module, so a `fera.*` name is checked against FERA's modules (a misspelt one would change
nothing, silently); other libraries' names can't be known before they log and are taken as given.
"""

from __future__ import annotations

import difflib
import logging.config
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import typer

import fera

__all__ = [
    "FORMAT",
    "LEVELS",
    "LogLevelOption",
    "LoggerLevelsOption",
    "configure_logging",
    "logging_config",
    "serve_log_args",
]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


LEVELS = ("debug", "info", "warning", "error")


def _level(text: str) -> str:
    """A level in any case. Checked here, not as an Enum: typer words an Enum's refusal "Value error, ..."."""
    if text.strip().lower() not in LEVELS:
        raise typer.BadParameter(f"{text!r} is not one of {', '.join(LEVELS)}")
    return text.strip().lower()


def _logger_level(text: str) -> tuple[str, str]:
    name, _, level = text.partition("=")
    if not name.strip() or level.strip().lower() not in LEVELS:
        raise typer.BadParameter(
            f"{text!r} is not LOGGER=LEVEL with LEVEL one of {', '.join(LEVELS)} "
            "(e.g. fera.cpo.chargingprofiles.site=debug)"
        )
    _known(name.strip())
    return name.strip(), level.strip().lower()


@cache
def _fera_modules() -> frozenset[str]:
    """FERA's packages (with or without an `__init__`) and modules by dotted name, from its files (nothing
    imported)."""
    root = Path(fera.__file__).parent
    modules = [p.with_suffix("") for p in root.rglob("*.py") if p.name != "__init__.py"]
    packages = {d for m in modules for d in m.parents if d.is_relative_to(root)}
    return frozenset(".".join(("fera", *p.relative_to(root).parts)) for p in [*modules, *packages])


def _known(name: str) -> None:
    if name.split(".")[0] != "fera" or name in _fera_modules():
        return
    near = _nearest(name)
    hint = f" (did you mean {near}?)" if near else ""
    raise typer.BadParameter(f"{name!r} is no FERA module's logger{hint}")


def _nearest(name: str) -> str | None:
    """The closest module under the longest part of `name` that is one (fera.cpo.chargingprofile: the
    closest under fera.cpo, not fera.ocpi.chargingprofiles)."""
    parts = name.split(".")
    for size in range(len(parts) - 1, 0, -1):
        known = ".".join(parts[:size])
        if known in _fera_modules():
            under = [m for m in _fera_modules() if m.startswith(known + ".")]
            near = difflib.get_close_matches(name, under, n=1)
            if near:
                return near[0]
    return None


def _checked(values: list[str] | None) -> list[str]:
    """Refused at parse time, as a usage error (exit 2), before the node opens anything."""
    for text in values or ():
        _logger_level(text)
    return values or []


LogLevelOption = Annotated[
    str,
    typer.Option(
        "--log-level",
        metavar="LEVEL",
        callback=_level,
        help="debug, info, warning or error: FERA's loggers (fera.*) and uvicorn's, on stderr (the demo: in "
        "each node's log).",
    ),
]
LoggerLevelsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--log",
        metavar="LOGGER=LEVEL",
        callback=_checked,
        help="One logger's level beside --log-level, repeatable: e.g. fera.cpo.chargingprofiles.site=debug "
        "or httpx=info.",
    ),
]


def logging_config(level: str, loggers: list[str] | None = None) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary: one stderr handler on the root (WARNING), `fera` and
    `uvicorn` at `level`, then each `LOGGER=LEVEL` (a later one wins)."""
    levels = {"fera": level, "uvicorn": level} | dict(_logger_level(text) for text in loggers or ())
    return {
        "version": 1,
        "disable_existing_loggers": False,  # FERA's module loggers exist already (imported before this runs)
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {name: {"level": value.upper()} for name, value in levels.items()},
    }


def configure_logging(level: str, loggers: list[str] | None = None) -> None:
    logging.config.dictConfig(logging_config(level, loggers))


def serve_log_args(level: str, loggers: list[str] | None = None) -> list[str]:
    """The same choice as `fera serve` arguments, for the processes the demo starts."""
    return ["--log-level", level, *(arg for text in loggers or () for arg in ("--log", text))]
