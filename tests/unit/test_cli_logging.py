"""The logging configuration `fera serve` applies: FERA's and uvicorn's level, then each logger named."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

import fera
from fera.cli._logging import FORMAT, logging_config, serve_log_args


def test_one_handler_on_the_root_and_the_named_loggers_levels() -> None:
    config = logging_config("warning", ["fera.cpo.chargingprofiles.site=DEBUG", "httpx=info", "httpx=error"])

    assert config["disable_existing_loggers"] is False  # FERA's module loggers exist before it is applied
    assert config["root"] == {"level": "WARNING", "handlers": ["stderr"]}
    assert config["handlers"]["stderr"]["stream"] == "ext://sys.stderr"
    assert (
        config["formatters"]["plain"]["format"] == FORMAT == "%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    assert config["loggers"] == {
        "fera": {"level": "WARNING"},
        "uvicorn": {"level": "WARNING"},
        "fera.cpo.chargingprofiles.site": {"level": "DEBUG"},
        "httpx": {"level": "ERROR"},  # the last one given wins
    }


def test_a_named_logger_may_set_fera_or_uvicorn_itself() -> None:
    assert logging_config("debug", ["uvicorn=warning"])["loggers"] == {
        "fera": {"level": "DEBUG"},
        "uvicorn": {"level": "WARNING"},
    }


def test_the_demo_passes_the_same_choice_to_fera_serve() -> None:
    assert serve_log_args("info") == ["--log-level", "info"]
    assert serve_log_args("debug", ["a=info", "b=error"]) == [
        "--log-level",
        "debug",
        "--log",
        "a=info",
        "--log",
        "b=error",
    ]


def test_a_misspelt_fera_logger_is_refused_with_the_nearest_name() -> None:
    with pytest.raises(typer.BadParameter) as refused:
        logging_config("info", ["fera.cpo.chargingprofile.site=debug"])

    assert str(refused.value) == (
        "'fera.cpo.chargingprofile.site' is no FERA module's logger "
        "(did you mean fera.cpo.chargingprofiles.site?)"
    )


def test_every_fera_logger_is_named_after_a_module_the_check_knows() -> None:
    """The check rests on this: a logger with a name of its own could not be switched on."""
    # a module, a package without an __init__ (its modules log under it), a package, the root
    for module in ("fera.ocpp._inventory", "fera.cpo.chargingprofiles", "fera.ocpi", "fera"):
        assert logging_config("info", [f"{module}=debug"])["loggers"][module] == {"level": "DEBUG"}
    named = [
        line
        for path in Path(fera.__file__).parent.rglob("*.py")
        for line in path.read_text().splitlines()
        if "getLogger(" in line and "getLogger(__name__)" not in line
    ]
    # FERA reads httpx's own logger (is its log of every request on?) and logs nothing under it.
    assert named == ['_HTTPX_LOG = logging.getLogger("httpx")']


def test_other_libraries_loggers_are_taken_as_given() -> None:
    assert logging_config("info", ["httpx=debug"])["loggers"]["httpx"] == {"level": "DEBUG"}
