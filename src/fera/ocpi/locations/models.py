"""Locations module wire models (OCPI 2.2.1 `mod_locations.asciidoc`); also BusinessDetails and Image.

Each `XxxPatch` is a PATCH body (all optional but `last_updated`); its full object re-declares the rest."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, overload

from pydantic import Field, StringConstraints

from fera.ocpi.tokens.models import TokenType
from fera.ocpi.types import (
    CiString2,
    CiString3,
    CiString4,
    CiString36,
    CiString48,
    Count,
    DateTime,
    DisplayText,
    NonNegativeNumber,
    OcpiModel,
    StrictBool,
    String3,
    String4,
    String10,
    String16,
    String45,
    String64,
    String100,
    String255,
    Url,
)

__all__ = [
    "EVSE",
    "AdditionalGeoLocation",
    "BusinessDetails",
    "Capability",
    "Connector",
    "ConnectorFormat",
    "ConnectorPatch",
    "ConnectorType",
    "EnergyMix",
    "EnergySource",
    "EnergySourceCategory",
    "EnvironmentalImpact",
    "EnvironmentalImpactCategory",
    "EvsePatch",
    "ExceptionalPeriod",
    "Facility",
    "GeoLocation",
    "Hours",
    "Image",
    "ImageCategory",
    "Location",
    "LocationPatch",
    "ParkingRestriction",
    "ParkingType",
    "PowerType",
    "PublishTokenType",
    "RegularHours",
    "Status",
    "StatusSchedule",
    "apply_patch",
]

# WGS84 decimal degrees as strings with 5 to 7 decimals (spec regexes); hours are local `HH:MM`.
_Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
_Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
_HOUR_MINUTE = r"([0-1][0-9]|2[0-3]):[0-5][0-9]"
_PeriodBegin = Annotated[str, StringConstraints(pattern=rf"^{_HOUR_MINUTE}$")]
_PeriodEnd = Annotated[str, StringConstraints(pattern=rf"^({_HOUR_MINUTE}|24:00)$")]  # 24:00: end of day


class Status(StrEnum):
    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"  # how an EVSE is "deleted"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class Capability(StrEnum):
    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ConnectorType(StrEnum):
    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"  # mixed case, as in the spec
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class ConnectorFormat(StrEnum):
    SOCKET = "SOCKET"
    CABLE = "CABLE"


class PowerType(StrEnum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ParkingType(StrEnum):
    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    PARKING_GARAGE = "PARKING_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    ON_DRIVEWAY = "ON_DRIVEWAY"
    ON_STREET = "ON_STREET"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"


class ParkingRestriction(StrEnum):
    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class Facility(StrEnum):
    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BIKE_SHARING = "BIKE_SHARING"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAM_STOP = "TRAM_STOP"
    METRO_STATION = "METRO_STATION"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    PARKING_LOT = "PARKING_LOT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class ImageCategory(StrEnum):
    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class EnergySourceCategory(StrEnum):
    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(StrEnum):
    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


class GeoLocation(OcpiModel):
    latitude: _Latitude
    longitude: _Longitude


class AdditionalGeoLocation(GeoLocation):
    name: DisplayText | None = None


class Image(OcpiModel):
    url: Url
    thumbnail: Url | None = None
    category: ImageCategory
    type: CiString4  # file extension: png, svg, ...
    width: Annotated[Count, Field(le=99999)] | None = None
    height: Annotated[Count, Field(le=99999)] | None = None


class BusinessDetails(OcpiModel):
    name: String100
    website: Url | None = None
    logo: Image | None = None


class PublishTokenType(OcpiModel):
    """A Token (or group) allowed to see an unpublished Location; at least one field should be set."""

    uid: CiString36 | None = None
    type: TokenType | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    group_id: CiString36 | None = None


class RegularHours(OcpiModel):
    weekday: Annotated[Count, Field(ge=1, le=7)]  # 1 = Monday ... 7 = Sunday
    period_begin: _PeriodBegin
    period_end: _PeriodEnd


class ExceptionalPeriod(OcpiModel):
    period_begin: DateTime
    period_end: DateTime


class Hours(OcpiModel):
    twentyfourseven: StrictBool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None


class EnergySource(OcpiModel):
    source: EnergySourceCategory
    percentage: Annotated[NonNegativeNumber, Field(le=100)]


class EnvironmentalImpact(OcpiModel):
    category: EnvironmentalImpactCategory
    amount: NonNegativeNumber  # g/kWh


class EnergyMix(OcpiModel):
    is_green_energy: StrictBool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None


class StatusSchedule(OcpiModel):
    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class ConnectorPatch(OcpiModel):
    id: CiString36 | None = None
    standard: ConnectorType | None = None
    format: ConnectorFormat | None = None
    power_type: PowerType | None = None
    max_voltage: Count | None = None
    max_amperage: Count | None = None
    max_electric_power: Count | None = None  # W, set when lower than V x A allows
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: Url | None = None
    last_updated: DateTime


class Connector(ConnectorPatch):
    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: Count  # line-to-neutral for AC_3_PHASE
    max_amperage: Count


class EvsePatch(OcpiModel):
    uid: CiString36 | None = None
    evse_id: CiString48 | None = None
    status: Status | None = None
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: list[Connector] | None = Field(default=None, min_length=1)
    floor_level: String4 | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String16 | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class EVSE(EvsePatch):
    uid: CiString36  # immutable technical id; `evse_id` is the human-readable eMI3 id
    status: Status
    connectors: list[Connector] = Field(min_length=1)


class LocationPatch(OcpiModel):
    country_code: CiString2 | None = None
    party_id: CiString3 | None = None
    id: CiString36 | None = None
    publish: StrictBool | None = None
    publish_allowed_to: list[PublishTokenType] | None = None
    name: String255 | None = None
    address: String255 | None = None  # bugfix-branch length (2.2.1 says 45)
    city: String45 | None = None
    postal_code: String10 | None = None
    state: String45 | None = None  # bugfix-branch length (2.2.1 says 20)
    country: String3 | None = None
    coordinates: GeoLocation | None = None
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: String255 | None = None
    opening_times: Hours | None = None
    charging_when_closed: StrictBool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


class Location(LocationPatch):
    country_code: CiString2
    party_id: CiString3
    id: CiString36
    publish: StrictBool
    address: String255
    city: String45
    country: String3  # ISO 3166-1 alpha-3
    coordinates: GeoLocation
    time_zone: String255  # IANA name, e.g. Europe/Berlin


@overload
def apply_patch(obj: Location, patch: LocationPatch) -> Location: ...
@overload
def apply_patch(obj: EVSE, patch: EvsePatch) -> EVSE: ...
@overload
def apply_patch(obj: Connector, patch: ConnectorPatch) -> Connector: ...
def apply_patch(
    obj: Location | EVSE | Connector, patch: LocationPatch | EvsePatch | ConnectorPatch
) -> Location | EVSE | Connector:
    """A new object with the fields the PATCH sent (lists replace lists); absent or null fields stay."""
    update = {name: value for name in patch.model_fields_set if (value := getattr(patch, name)) is not None}
    return obj.model_copy(update=update)
