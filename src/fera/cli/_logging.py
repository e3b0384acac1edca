"""How a FERA process logs: `--log-level` sets FERA's loggers (`fera.*`) and uvicorn's, `--log LOGGER=LEVEL`
one logger (a module's DEBUG lines without everybody's); every line goes to stderr in one plain format.

Other libraries' loggers stay at WARNING unless `--log` names them (`--log httpx=info`).
"""

from __future__ import annotations

import logging.config
from enum import StrEnum
from typing import Annotated, Any

import typer

__all__ = [
    "FORMAT",
    "LogLevel",
    "LogLevelOption",
    "LoggerLevelsOption",
    "configure_logging",
    "logging_config",
    "serve_log_args",
]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def _logger_level(text: str) -> tuple[str, LogLevel]:
    name, _, level = text.partition("=")
    name, level = name.strip(), level.strip().lower()
    if not name or level not in LogLevel.__members__.values():
        raise typer.BadParameter(
            f"{text!r} is not LOGGER=LEVEL with LEVEL one of {', '.join(LogLevel)} "
            "(e.g. fera.cpo.chargingprofiles.site=debug)"
        )
    return name, LogLevel(level)


def _checked(values: list[str] | None) -> list[str]:
    """Refused at parse time, as a usage error (exit 2), before the node opens anything."""
    for text in values or ():
        _logger_level(text)
    return values or []


LogLevelOption = Annotated[
    LogLevel,
    typer.Option(
        "--log-level",
        case_sensitive=False,
        help="Level of FERA's loggers (fera.*) and uvicorn's: lines on stderr (the demo: each node's log).",
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


def logging_config(level: LogLevel, loggers: list[str] | None = None) -> dict[str, Any]:
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


def configure_logging(level: LogLevel, loggers: list[str] | None = None) -> None:
    logging.config.dictConfig(logging_config(level, loggers))


def serve_log_args(level: LogLevel, loggers: list[str] | None = None) -> list[str]:
    """The same choice as `fera serve` arguments, for the processes the demo starts."""
    return ["--log-level", level.value, *(arg for text in loggers or () for arg in ("--log", text))]
