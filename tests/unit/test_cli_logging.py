"""The logging configuration `fera serve` applies: FERA's and uvicorn's level, then each logger named."""

from __future__ import annotations

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
