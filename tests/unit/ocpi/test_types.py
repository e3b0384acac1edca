"""The primitive wire types: strict numbers and booleans, bounded DateTimes, URLs that parse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from fera.config import ConfigError
from fera.config_file import load_config
from fera.ocpi import types
from fera.ocpi.types import Count, DateTime, HttpUrl, NonNegativeNumber, Number, OneDecimal, StrictBool, Url


class Sample(BaseModel):
    number: Number = 0
    amount: NonNegativeNumber = 0
    rate: OneDecimal = 0
    count: Count = 0
    flag: StrictBool = False
    at: DateTime | None = None
    url: Url = "x"
    callback: HttpUrl = "http://x.test"


def first_error(**fields: Any) -> str:
    with pytest.raises(ValidationError) as info:
        Sample.model_validate(fields)
    error = info.value.errors()[0]
    return f"{'.'.join(map(str, error['loc']))}: {error['msg']}"


NOT_A_URL, ABSOLUTE = "Value error, not a URL ", "Value error, must be an absolute http:// or https:// URL"
GE = "Input should be greater than or equal to "


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "16"}, "number: Input should be a valid number"),
        ({"number": True}, "number: Input should be a valid number"),
        ({"number": float("inf")}, "number: Input should be a finite number"),
        ({"number": float("nan")}, "number: Input should be a finite number"),
        ({"number": -1e308}, "number: Input should be greater than or equal to -1000000000"),
        ({"amount": -0.1}, "amount: Input should be greater than or equal to 0"),
        ({"rate": 1.7e308}, "rate: Input should be less than or equal to 1000000000"),
        ({"count": 1.0}, "count: Input should be a valid integer"),
        ({"count": True}, "count: Input should be a valid integer"),
        ({"count": 2**31}, "count: Input should be less than or equal to 2147483647"),
        ({"flag": 1}, "flag: Input should be a valid boolean"),
        ({"flag": "true"}, "flag: Input should be a valid boolean"),
        ({"at": 0}, "at: Value error, a DateTime must be a string like 2024-01-01T00:00:00Z"),
        (
            {"at": "0001-01-01T00:00:00+05:00"},
            "at: " + "Value error, must lie between 1970-01-01T00:00:00Z and 2100-01-01T00:00:00Z",
        ),
        (
            {"at": "2100-01-01T00:00:00Z"},
            "at: Value error, must lie between 1970-01-01T00:00:00Z and 2100-01-01T00:00:00Z",
        ),
        ({"url": "http://[::1"}, "url: Value error, not a URL (Invalid IPv6 URL)"),
        ({"callback": "http://x.test:99999/"}, "callback: " + NOT_A_URL + "(Port out of range 0-65535)"),
        ({"callback": "www.x.test/r/1"}, "callback: " + ABSOLUTE),
    ],
)
def test_refused_with_the_reason(fields: dict[str, Any], message: str) -> None:
    assert first_error(**fields) == message


def test_accepted_values_and_their_wire_form() -> None:
    sample = Sample.model_validate(
        {
            "number": -5,
            "amount": 0,
            "rate": 16.27,
            "count": 7,
            "flag": True,
            "at": "1970-01-01T01:00:00+01:00",
            "url": "www.example.com",  # a website without scheme is still a URL a peer may show
            "callback": "HTTPS://peer.test/results/1?x=1",
        }
    )
    assert sample.model_dump(mode="json") == {
        "number": -5.0,
        "amount": 0.0,
        "rate": 16.2,
        "count": 7,
        "flag": True,
        "at": "1970-01-01T00:00:00Z",
        "url": "www.example.com",
        "callback": "HTTPS://peer.test/results/1?x=1",
    }
    assert Sample(at=datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)).at is not None


def test_bounds_are_public() -> None:
    assert types.MIN_DATETIME == datetime(1970, 1, 1, tzinfo=UTC)
    assert types.MAX_DATETIME == datetime(2100, 1, 1, tzinfo=UTC)
    assert types.MAX_NUMBER == 1e9
    assert all(hasattr(types, name) for name in types.__all__)


def _config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(
        f'[node]\npublic_url = "https://n.test"\n{extra}\n'
        '[[roles]]\nrole = "CPO"\ncountry_code = "NL"\nparty_id = "CPO"\nname = "CPO"\n'
    )
    return path


def test_body_limit_and_timeout_settings(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path, "")).max_request_body_bytes == 1_048_576
    assert load_config(_config(tmp_path, "max_request_body_bytes = 4096")).max_request_body_bytes == 4096
    with pytest.raises(ConfigError, match="max_request_body_bytes: " + GE + "1024"):
        load_config(_config(tmp_path, "max_request_body_bytes = 10"))
    with pytest.raises(ConfigError, match="profile_result_timeout_s: " + GE + "1"):
        load_config(_config(tmp_path, "profile_result_timeout_s = 0"))
