"""Credentials module: the token A/B/C handshake in both directions."""

from fera.ocpi.credentials.client import CredentialsClient
from fera.ocpi.credentials.models import Credentials, CredentialsRole
from fera.ocpi.credentials.routes import CREDENTIALS_PATH, credentials_router
from fera.ocpi.credentials.service import CredentialsService

__all__ = [
    "CREDENTIALS_PATH",
    "Credentials",
    "CredentialsClient",
    "CredentialsRole",
    "CredentialsService",
    "credentials_router",
]
