"""OCPI 2.2.1 primitive types (spec `types.asciidoc`): lenient on input, strict on output."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, StringConstraints

__all__ = [
    "CiString2",
    "CiString3",
    "CiString4",
    "CiString36",
    "CiString48",
    "CiString64",
    "DateTime",
    "DisplayText",
    "OcpiModel",
    "OneDecimal",
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


DateTime = Annotated[
    datetime,
    AfterValidator(to_utc),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]
OneDecimal = Annotated[float, AfterValidator(floor_one_decimal)]
Url = Annotated[str, StringConstraints(max_length=255, min_length=1)]


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
