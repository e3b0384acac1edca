"""Versions module wire objects (`version_information_endpoint.asciidoc`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from fera.ocpi.types import OcpiModel, Url

__all__ = ["Endpoint", "InterfaceRole", "ModuleID", "Version", "VersionDetails", "VersionNumber"]


class VersionNumber(StrEnum):
    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"


class ModuleID(StrEnum):
    CDRS = "cdrs"
    CHARGING_PROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUB_CLIENT_INFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class InterfaceRole(StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class Version(OcpiModel):
    version: str  # VersionNumber; kept a string so a peer's unknown version doesn't fail discovery
    url: Url


class Endpoint(OcpiModel):
    identifier: str  # ModuleID; custom modules (`nltnm-tokens`) exist, so not an enum on input
    role: InterfaceRole
    url: Url


class VersionDetails(OcpiModel):
    version: str
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]
