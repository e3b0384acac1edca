"""Versions module: version list and details (both directions)."""

from fera.ocpi.versions.client import VersionsClient
from fera.ocpi.versions.models import (
    Endpoint,
    InterfaceRole,
    ModuleID,
    Version,
    VersionDetails,
    VersionNumber,
)
from fera.ocpi.versions.routes import VERSIONS_PATH, details_path, versions_router

__all__ = [
    "VERSIONS_PATH",
    "Endpoint",
    "InterfaceRole",
    "ModuleID",
    "Version",
    "VersionDetails",
    "VersionNumber",
    "VersionsClient",
    "details_path",
    "versions_router",
]
