"""What every command shares: the --config option, strict loading, and failures as one line, never a trace."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from fera.config import ConfigError, NodeConfig
from fera.config_file import load_config
from fera.ocpi.errors import OcpiError, PeerError

if TYPE_CHECKING:
    from fera.store import Database

__all__ = [
    "ConfigOption",
    "DatabaseUnavailable",
    "console",
    "errors",
    "fail",
    "load",
    "migrate",
    "node_url",
    "open_database",
    "run",
]

# Piped output (logs, grep, tests) is not cut at 80 columns: tables keep whole ids and URLs.
console = Console(width=None if sys.stdout.isatty() else 200)
errors = Console(stderr=True, soft_wrap=True)  # failures go to stderr, one line each
T = TypeVar("T")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Node configuration (TOML).")]


class DatabaseUnavailable(Exception):
    """The node's database cannot be opened; the message names it (without its password) and what to check."""


async def open_database(config: NodeConfig) -> Database:
    """The node's database, migrated to the newest schema (a no-op beside a serving node)."""
    from fera.store import Database

    database = Database(config.database_url)
    try:
        await migrate(database, config)
    except DatabaseUnavailable:
        await database.close()
        raise
    return database


async def migrate(database: Database, config: NodeConfig) -> None:
    """`database.migrate()`, its failure as DatabaseUnavailable naming the database and what to check."""
    try:
        await database.migrate()
    except (OSError, SQLAlchemyError) as exc:
        where = make_url(config.database_url).render_as_string(hide_password=True)
        raise DatabaseUnavailable(
            f"database {where}: {_first_line(exc)}: check [node] database_url, and that the database is up"
        ) from exc


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on what went wrong and what to do, then a non-zero exit."""
    errors.print(f"[red]Error:[/] {escape(message)}")
    raise typer.Exit(code)


def load(path: Path) -> NodeConfig:
    """The node's configuration, or every problem in it (one per line) and exit code 2."""
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            errors.print(f"[red]Configuration error:[/] {escape(exc.path)}: {escape(problem)}")
        raise typer.Exit(2) from exc


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run one command's async work; the failures a user can act on become one line each."""
    try:
        return asyncio.run(work)
    except PeerError as exc:
        refused = exc.http_status == 401
        hint = ": it no longer accepts our token; ask it for a new invitation" if refused else ""
        unreachable = ": is it up, and is the URL right?" if exc.http_status is None else ""
        fail(f"{exc}{hint}{unreachable}")
    except (OcpiError, LookupError, DatabaseUnavailable) as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"database: {_first_line(exc)}: check database_url, and that the database is up")
    except OSError as exc:
        fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")


def node_url(config: NodeConfig) -> str:
    """The node's own HTTP address, from its `listen` (public_url may be a proxy the CLI cannot pass)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(config.host, config.host)
    return f"http://{host}:{config.port}"


def _first_line(exc: BaseException) -> str:
    origin = getattr(exc, "orig", None) or exc
    return str(origin).splitlines()[0] if str(origin) else type(origin).__name__
