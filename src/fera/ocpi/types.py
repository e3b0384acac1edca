"""OCPI 2.2.1 primitive types (spec `types.asciidoc`): lenient on input, strict on output.

Lenient where peers differ harmlessly (case, an offset on a DateTime); strict where a value must be computed
with: numbers and booleans must be JSON numbers and booleans (no `"16"`, no `true` for a number), every
number is finite, every DateTime lies in [`MIN_DATETIME`, `MAX_DATETIME`), and an `HttpUrl` is an absolute
http(s) URL that FERA can call. See docs/configuration.md ("What FERA accepts") for the bounds.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import SplitResult, urlsplit

import httpx
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

__all__ = [
    "CiString2",
    "CiString3",
    "CiString4",
    "CiString36",
    "CiString48",
    "CiString64",
    "MAX_DATETIME",
    "MAX_NUMBER",
    "MIN_DATETIME",
    "Count",
    "DateTime",
    "DisplayText",
    "HttpUrl",
    "Number",
    "NonNegativeNumber",
    "OcpiModel",
    "OneDecimal",
    "StrictBool",
    "Role",
    "String2",
    "String3",
    "String4",
    "String10",
    "String16",
    "String45",
    "String64",
    "String100",
    "String255",
    "String512",
    "Url",
    "ci_equal",
    "floor_one_decimal",
    "format_datetime",
    "to_utc",
]

_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"
_NO_CONTROL = re.compile(r"[\x00-\x1F\x7F]")


class OcpiModel(BaseModel):
    """Base of every wire object: unknown fields ignored, absent optionals omitted on output."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, use_enum_values=False)

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict a peer sees: `null` optionals left out (interop: never emit null)."""
        return self.model_dump(mode="json", exclude_none=True)


def to_utc(value: datetime) -> datetime:
    """A DateTime without designator is UTC (spec); an offset is tolerated and converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS(.sss)Z`, the only form FERA emits."""
    value = to_utc(value)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


def floor_one_decimal(value: float) -> float:
    """Round down to one decimal so a limit written to the wire never exceeds its source."""
    return math.floor(value * 10 + 1e-9) / 10


def _no_control_chars(value: str) -> str:
    if _NO_CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


# CiString(n): printable ASCII, case-insensitive, at most n characters. Written out (not made by a factory)
# so that mypy sees `str` and pydantic sees the constraint.
CiString2 = Annotated[str, StringConstraints(max_length=2, pattern=_PRINTABLE_ASCII)]
CiString3 = Annotated[str, StringConstraints(max_length=3, pattern=_PRINTABLE_ASCII)]
CiString4 = Annotated[str, StringConstraints(max_length=4, pattern=_PRINTABLE_ASCII)]
CiString36 = Annotated[str, StringConstraints(max_length=36, pattern=_PRINTABLE_ASCII)]
CiString48 = Annotated[str, StringConstraints(max_length=48, pattern=_PRINTABLE_ASCII)]
CiString64 = Annotated[str, StringConstraints(max_length=64, pattern=_PRINTABLE_ASCII)]

# string(n): printable UTF-8, case-sensitive, at most n characters.
_Text = AfterValidator(_no_control_chars)
String2 = Annotated[str, StringConstraints(max_length=2), _Text]
String3 = Annotated[str, StringConstraints(max_length=3), _Text]
String4 = Annotated[str, StringConstraints(max_length=4), _Text]
String10 = Annotated[str, StringConstraints(max_length=10), _Text]
String16 = Annotated[str, StringConstraints(max_length=16), _Text]
String45 = Annotated[str, StringConstraints(max_length=45), _Text]
String64 = Annotated[str, StringConstraints(max_length=64), _Text]
String100 = Annotated[str, StringConstraints(max_length=100), _Text]
String255 = Annotated[str, StringConstraints(max_length=255), _Text]
String512 = Annotated[str, StringConstraints(max_length=512), _Text]


# Far enough apart for any charging data (and 1970 for peers asking `date_from` "since the epoch"); near
# enough that converting an offset to UTC, or adding a profile's duration, never leaves Python's range.
MIN_DATETIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_DATETIME = datetime(2100, 1, 1, tzinfo=UTC)
# The largest magnitude of any JSON number FERA computes with (1 GW, 1e9 kWh, ...): far above real values,
# far below where `value * 10` or a unit conversion overflows a float.
MAX_NUMBER = 1e9


def _datetime_text(value: Any) -> Any:
    """A DateTime is a JSON string (spec); pydantic would otherwise read a number as a Unix time."""
    if isinstance(value, int | float):
        raise ValueError("a DateTime must be a string like 2024-01-01T00:00:00Z")
    return value


def _datetime_in_range(value: datetime) -> datetime:
    # The year is checked before the conversion: year 1 or 9999 with an offset overflows in `astimezone`.
    if not MIN_DATETIME.year - 1 <= value.year <= MAX_DATETIME.year or not (
        MIN_DATETIME <= (value := to_utc(value)) < MAX_DATETIME
    ):
        raise ValueError("must lie between 1970-01-01T00:00:00Z and 2100-01-01T00:00:00Z")
    return value


def _parseable_url(value: str) -> str:
    _split(value)
    return value


def _split(value: str) -> SplitResult:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - `.port` is where a bad port or IPv6 literal raises
    except ValueError as exc:
        raise ValueError(f"not a URL ({exc})") from None
    return parts


def _callable_url(value: str) -> str:
    """An absolute http(s) URL our HTTP client can parse: anything else could never be called back."""
    parts = _split(value)
    # Past the authority httpx refuses only non-printable ASCII; the authority's verdict is kept per origin.
    if any(char.isascii() and not char.isprintable() for char in value):
        refusal = _refusal(value)
    else:
        refusal = _origin_refusal(f"{parts.scheme}://{parts.netloc}/")
    if refusal is not None:
        raise ValueError(refusal)
    return value


def _refusal(url: str) -> str | None:
    """Why httpx could not call this URL, if it could not."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        return f"not a URL ({exc})"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "must be an absolute http:// or https:// URL"
    return None


# Parsing the host (an IP address through Python's `ipaddress`) was a fifth of the CPU an accepted PUT took
# in its route, and a Sender's `response_url`s differ only past their origin.
_origin_refusal = lru_cache(maxsize=1024)(_refusal)


DateTime = Annotated[
    datetime,
    BeforeValidator(_datetime_text),
    AfterValidator(_datetime_in_range),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]
# JSON numbers only (an int is a number, a string or a boolean is not), finite and bounded.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-MAX_NUMBER, le=MAX_NUMBER)]
NonNegativeNumber = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=MAX_NUMBER)]
# A JSON integer >= 0 (not 16.0, not "16", not true), bounded so that it fits every database integer.
Count = Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)]
StrictBool = Annotated[bool, Field(strict=True)]
# decimal(n,1): a non-negative number rounded down to one decimal (limits and rates).
OneDecimal = Annotated[NonNegativeNumber, AfterValidator(floor_one_decimal)]
# Any URL a peer shows us (a website, an image); it must parse, its scheme is the peer's business.
Url = Annotated[str, StringConstraints(max_length=255, min_length=1), AfterValidator(_parseable_url)]
# A URL FERA calls (versions, endpoints, credentials `url`, `response_url`).
HttpUrl = Annotated[str, StringConstraints(max_length=255, min_length=1), AfterValidator(_callable_url)]


def ci_equal(a: str, b: str) -> bool:
    """CiString comparison (country codes, party ids, session ids)."""
    return a.upper() == b.upper()


class Role(StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class DisplayText(OcpiModel):
    language: String2
    text: String512
