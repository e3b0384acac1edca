"""Sessions module wire models (OCPI 2.2.1 `mod_sessions.asciidoc`).

Also holds the classes a Session borrows from the CDRs module (`CdrToken`, `ChargingPeriod`,
`CdrDimension`, `CdrDimensionType`, `AuthMethod`) and the `Price` class from `types.asciidoc`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass
from pydantic.json_schema import SkipJsonSchema

from fera.ocpi.tokens.models import ProfileType, TokenType
from fera.ocpi.types import (
    CiString2,
    CiString3,
    CiString36,
    DateTime,
    NonNegativeNumber,
    Number,
    OcpiModel,
    StrictBool,
    String3,
    String255,
)

__all__ = [
    "AuthMethod",
    "CdrDimension",
    "CdrDimensionType",
    "CdrToken",
    "ChargingPeriod",
    "ChargingPreferences",
    "ChargingPreferencesResponse",
    "Price",
    "ProfileType",
    "Session",
    "SessionPatch",
    "SessionStatus",
    "apply_patch",
    "joined_patch",
    "patched_wire",
]


class SessionStatus(StrEnum):
    """`PENDING` is the initial state; a reservation starts as `RESERVATION` (the prose's "RESERVED")."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class AuthMethod(StrEnum):
    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class ChargingPreferencesResponse(StrEnum):
    """The `data` of the answer to a PUT of ChargingPreferences: a bare enum string."""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"


class CdrDimensionType(StrEnum):
    """Units: A for currents, kWh for energies, kW for powers, hours for times, % for state of charge."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


class Price(OcpiModel):
    excl_vat: NonNegativeNumber
    incl_vat: NonNegativeNumber | None = None


class CdrToken(OcpiModel):
    """The Token as the CPO saw it; `country_code`/`party_id` are the eMSP's."""

    country_code: CiString2
    party_id: CiString3
    uid: CiString36
    type: TokenType
    contract_id: CiString36


# A session holds a ChargingPeriod per meter reading, each with two or three CdrDimensions: slotted pydantic
# dataclasses, not models, whose `__dict__`, fields-set set and private values cost ~350 bytes an instance
# (a CPO holds its ongoing sessions: at 480 periods, a day's readings, 1,490 -> 240 bytes a period, and
# validated in 1.3 ms instead of 2.5). The same validation, wire form and JSON schema as models.
@dataclass(frozen=True, slots=True, config=ConfigDict(extra="ignore"))
class CdrDimension:
    type: CdrDimensionType
    volume: Number  # ENERGY_EXPORT and CURRENT may be negative in practice: finite is what we require


@dataclass(frozen=True, slots=True, config=ConfigDict(extra="ignore"))
class ChargingPeriod:
    """Lasts until the next period starts; the last one until the session ends."""

    start_date_time: DateTime
    dimensions: tuple[CdrDimension, ...] = Field(min_length=1)
    tariff_id: CiString36 | None = None
    # Frozen, and dumped once: a session gains a period with every meter reading and is written whole each
    # time (a day at one reading a minute: 480 periods, 2.3 ms to dump them all, again and again), but its
    # earlier periods are the same objects from one state to the next (`apply_patch`). Never read from
    # input, never dumped, not in the schema.
    wire_form: SkipJsonSchema[dict[str, Any] | None] = Field(
        default=None, init=False, exclude=True, repr=False
    )

    def to_wire(self) -> dict[str, Any]:
        """The wire form, made once (callers treat it as read-only, as every `to_wire` result)."""
        wire = self.wire_form
        if wire is None:
            wire = _PERIOD.dump_python(self, mode="json", exclude_none=True)
            object.__setattr__(self, "wire_form", wire)
        return wire

    def keep_wire(self, wire: dict[str, Any]) -> None:
        """Take `wire` as the wire form: the caller knows it is what `to_wire` would make (a stored one)."""
        object.__setattr__(self, "wire_form", wire)

    def _values(self) -> tuple[Any, ...]:
        return self.start_date_time, self.dimensions, self.tariff_id

    def __eq__(self, other: object) -> bool:  # the values: whether its wire form was made yet is no part
        if not isinstance(other, ChargingPeriod):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())


_PERIOD: TypeAdapter[ChargingPeriod] = TypeAdapter(ChargingPeriod)


class ChargingPreferences(OcpiModel):
    """PUT by the eMSP on `{sessions_url}/{session_id}/charging_preferences`."""

    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: NonNegativeNumber | None = None
    discharge_allowed: StrictBool | None = None


class SessionPatch(OcpiModel):
    """PATCH body: every field optional except `last_updated`; `Session` re-declares the required ones."""

    country_code: CiString2 | None = None
    party_id: CiString3 | None = None
    id: CiString36 | None = None
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    kwh: NonNegativeNumber | None = None
    cdr_token: CdrToken | None = None
    auth_method: AuthMethod | None = None
    authorization_reference: CiString36 | None = None
    location_id: CiString36 | None = None
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    meter_id: String255 | None = None
    currency: String3 | None = None
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus | None = None
    last_updated: DateTime

    def to_wire(self) -> dict[str, Any]:
        """As every model's, each charging period in the wire form it keeps (`ChargingPeriod.to_wire`)."""
        periods = self.charging_periods
        if not periods:
            return super().to_wire()
        wire = self.model_dump(mode="json", exclude_none=True, exclude={"charging_periods"})
        wire["charging_periods"] = [period.to_wire() for period in periods]
        return {name: wire[name] for name in type(self).model_fields if name in wire}  # the fields' order


class Session(SessionPatch):
    """`evse_uid`/`connector_id` may be `#NA` for a reservation without an EVSE yet."""

    country_code: CiString2
    party_id: CiString3
    id: CiString36
    start_date_time: DateTime
    kwh: NonNegativeNumber
    cdr_token: CdrToken
    auth_method: AuthMethod
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    currency: String3
    status: SessionStatus

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Session:
        """A session as a store wrote it (`to_wire`): validated, and each period keeps its stored dict as its
        wire form (dumping it again gives the same dict), so writing the session back after a change dumps
        only the new periods (480 periods, a day at one a minute: 2.7 ms to dump again)."""
        session = cls.model_validate(data)
        stored = data.get("charging_periods") or ()
        for period, wire in zip(session.charging_periods or (), stored, strict=True):
            period.keep_wire(wire)
        return session


def apply_patch(obj: Session, patch: SessionPatch) -> Session:
    """A new Session with the fields the PATCH sent; `charging_periods` are appended, not replaced.

    Absent or explicit-null fields, and an absent or empty `charging_periods`, leave the stored value.
    """
    update = {name: value for name in patch.model_fields_set if (value := getattr(patch, name)) is not None}
    if patch.charging_periods:
        update["charging_periods"] = [*(obj.charging_periods or []), *patch.charging_periods]
    else:
        update.pop("charging_periods", None)
    return obj.model_copy(update=update)


def patched_wire(stored: Mapping[str, Any], patch: SessionPatch) -> dict[str, Any]:
    """`apply_patch` on a session's wire form as stored (`to_wire`), giving the wire form of the result (its
    keys in the fields' order) without reading the stored periods into models: a received session gains a
    period at each PATCH and is written whole, and 480 periods (a day at one a minute) take 1.3 ms
    to validate. The stored form was validated when written, and each field the PATCH sent is valid alone."""
    sent = patch.to_wire()  # the fields sent with a value, as `apply_patch` takes them
    periods = sent.pop("charging_periods", None)
    merged = {**stored, **sent}
    if periods:
        merged["charging_periods"] = [*(stored.get("charging_periods") or ()), *periods]
    return {name: merged[name] for name in Session.model_fields if name in merged}


def joined_patch(first: SessionPatch, then: SessionPatch) -> SessionPatch:
    """One PATCH that does what `first` then `then` do: `then`'s fields win, the periods of both, in order.

    Applying it with `apply_patch` gives the same Session as applying the two in turn (a CPO that holds back
    its meter readings sends them so)."""
    fields = {name: getattr(first, name) for name in first.model_fields_set}
    fields |= {name: getattr(then, name) for name in then.model_fields_set}
    periods = [*(first.charging_periods or []), *(then.charging_periods or [])]
    if periods:
        fields["charging_periods"] = periods
    return SessionPatch.model_validate(fields)
