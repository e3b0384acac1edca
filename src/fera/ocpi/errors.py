"""One exception per OCPI status (HTTP status + OCPI status code); rendered in one place (`fera.ocpi.app`)."""

from __future__ import annotations

__all__ = [
    "ClientError",
    "HubError",
    "InvalidJson",
    "InvalidParameters",
    "MethodNotAllowed",
    "NoMatchingEndpoints",
    "NotEnoughInformation",
    "NotFound",
    "OcpiError",
    "PeerError",
    "ServerError",
    "STATUS_MESSAGES",
    "Unauthorized",
    "UnableToUseClientApi",
    "UnknownLocation",
    "UnknownReceiver",
    "UnknownToken",
    "UnsupportedVersion",
]

# Every status code of OCPI 2.2.1 `status_codes.asciidoc`, with the spec's meaning.
STATUS_MESSAGES: dict[int, str] = {
    1000: "Generic success",
    2000: "Generic client error",
    2001: "Invalid or missing parameters",
    2002: "Not enough information",
    2003: "Unknown Location",
    2004: "Unknown Token",
    3000: "Generic server error",
    3001: "Unable to use the client's API",
    3002: "Unsupported version",
    3003: "No matching endpoints or expected endpoints missing between parties",
    4000: "Generic hub error",
    4001: "Unknown receiver",
    4002: "Timeout on forwarded request",
    4003: "Connection problem",
}


class OcpiError(Exception):
    """An error answered with an OCPI envelope; subclasses fix the HTTP and OCPI status."""

    http_status = 200
    status_code = 2000

    def __init__(self, message: str | None = None) -> None:
        self.message = message or STATUS_MESSAGES[self.status_code]
        super().__init__(self.message)


class ClientError(OcpiError):
    status_code = 2000


class InvalidParameters(ClientError):
    status_code = 2001


class NotEnoughInformation(ClientError):
    status_code = 2002


class UnknownLocation(ClientError):
    status_code = 2003


class UnknownToken(ClientError):
    status_code = 2004


class Unauthorized(ClientError):
    """Missing or unknown token, or token A outside versions/credentials (HTTP 401, never 403)."""

    http_status = 401


class NotFound(ClientError):
    http_status = 404


class MethodNotAllowed(ClientError):
    """Credentials POST when registered, PUT/DELETE when not (spec: HTTP 405)."""

    http_status = 405


class InvalidJson(ClientError):
    http_status = 400


class ServerError(OcpiError):
    status_code = 3000


class UnableToUseClientApi(ServerError):
    status_code = 3001


class UnsupportedVersion(ServerError):
    status_code = 3002


class NoMatchingEndpoints(ServerError):
    status_code = 3003


class HubError(OcpiError):
    status_code = 4000


class UnknownReceiver(HubError):
    status_code = 4001


class PeerError(Exception):
    """An outbound call to a partner failed; names the peer, URL and what went wrong."""

    def __init__(
        self,
        peer: str,
        url: str,
        reason: str,
        *,
        http_status: int | None = None,
        status_code: int | None = None,
    ) -> None:
        self.peer, self.url, self.reason = peer, url, reason
        self.http_status, self.status_code = http_status, status_code
        detail = f"HTTP {http_status}" if http_status is not None else "no answer"
        if status_code is not None:
            detail += f", OCPI {status_code}"
        super().__init__(f"{peer} at {url}: {reason} ({detail})")
