"""The one outbound pipeline: auth, ids, routing headers, envelope unwrapping, `Link` following, errors."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import httpx
from pydantic import ValidationError

from fera.ocpi.auth import Party, authorization_header
from fera.ocpi.envelope import Envelope
from fera.ocpi.errors import PeerError
from fera.ocpi.recording import outcome
from fera.traffic import Direction, TrafficLog

__all__ = ["ContactObserver", "PeerClient", "PeerRequest", "PeerTarget", "Reply", "join_url"]

log = logging.getLogger(__name__)
_HTTPX_LOG = logging.getLogger("httpx")
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def join_url(base: str, *segments: str) -> str:
    """Join robustly whatever the slashes (peers publish endpoints with and without trailing `/`)."""
    url = base.rstrip("/")
    for segment in segments:
        url += "/" + segment.strip("/")
    return url


@dataclass(frozen=True)
class PeerTarget:
    """Who we call and how: the partner's name for errors, its token for us, its header preference."""

    name: str
    token: str
    base64_token: bool = True
    to_party: Party | None = None
    from_party: Party | None = None
    correlation_id: str | None = None


@runtime_checkable
class WireBody(Protocol):
    def to_wire(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PeerRequest:
    """One call described, not made: what a push stores until it is sent (`PeerClient.send`). The body is
    JSON-ready, or a wire model turned into JSON only when it is sent or stored (`json`): a push the
    in-memory pusher joins into a later one is never serialised."""

    method: str
    url: str
    body: WireBody | Any = None
    params: Mapping[str, str] | None = None

    @property
    def json(self) -> Any:
        return self.body.to_wire() if isinstance(self.body, WireBody) else self.body

    def stored(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "json": self.json, "params": self.params}

    @classmethod
    def from_stored(cls, given: Mapping[str, Any]) -> PeerRequest:
        return cls(given["method"], given["url"], given.get("json"), given.get("params"))


@dataclass(frozen=True)
class Reply:
    http_status: int
    envelope: Envelope
    headers: Mapping[str, str]

    @property
    def data(self) -> Any:
        return self.envelope.data


# Told of every outbound call's outcome (None: it succeeded); e.g. to keep each partner's health.
ContactObserver = Callable[[PeerTarget, "PeerError | None"], Awaitable[None]]


class PeerClient:
    """Wraps one shared `httpx.AsyncClient` per node; module clients only say method, URL and model.

    `direct`: the transport the client sends every request through (no proxy in the way), given to send
    requests the client built straight to it while nobody watches the client's `send` (`_watched`): its
    layers (auth, redirects, cookies, hooks, which FERA uses none of) cost a fifth of a request's CPU
    (bench/README.md, "the p99 tail")."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        traffic: TrafficLog | None = None,
        direct: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http, self._direct = http, direct
        self._traffic = traffic
        self.observer: ContactObserver | None = None

    async def call(
        self,
        target: PeerTarget,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        functional: bool = True,
        accept_statuses: tuple[int, ...] = (),
        accept_client_errors: bool = False,
    ) -> Reply:
        """One request; raises `PeerError` unless HTTP is 2xx (or accepted) and the OCPI status is 1xxx
        (or 2xxx with `accept_client_errors`, for modules whose answer rides in `data` whatever the code)."""
        try:
            reply = await self._call(target, method, url, json, params, functional)
            reply = self._checked(target, url, reply, accept_statuses, accept_client_errors)
        except PeerError as exc:
            await self._observe(target, exc)
            raise
        await self._observe(target, None)
        return reply

    async def send(self, target: PeerTarget, request: PeerRequest) -> Reply:
        return await self.call(target, request.method, request.url, json=request.json, params=request.params)

    async def _call(
        self,
        target: PeerTarget,
        method: str,
        url: str,
        json: Any,
        params: Mapping[str, str] | None,
        functional: bool,
    ) -> Reply:
        headers = self._headers(target, functional)
        try:
            response = await self._send(
                self._http.build_request(method, url, json=json, params=params, headers=headers)
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL: a URL the peer gave us
            self._record(target, method, url, f"error: {type(exc).__name__}")
            raise PeerError(target.name, url, f"{type(exc).__name__}: {exc}") from exc
        try:
            reply = _reply(target, url, response)
        except PeerError:
            self._record(target, method, url, f"{response.status_code} · not OCPI")
            raise
        self._record(target, method, url, outcome(reply.http_status, reply.envelope.status_code))
        return reply

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """The response, read whole; timeouts as the client's (`build_request` puts them on the request)."""
        if self._direct is None or self._watched():
            return await self._http.send(request)
        response = await self._direct.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    def _watched(self) -> bool:
        """Someone sees requests in the client's `send`: its event hooks (tests install them), or httpx's log
        of every request (`fera serve --log httpx=info`)."""
        hooks = self._http.event_hooks
        return bool(hooks["request"] or hooks["response"]) or _HTTPX_LOG.isEnabledFor(logging.INFO)

    async def _observe(self, target: PeerTarget, error: PeerError | None) -> None:
        if self.observer is None:
            return
        try:
            await self.observer(target, error)
        except Exception:  # bookkeeping must never fail the call it describes
            log.exception("recording the contact with %s failed", target.name)

    @staticmethod
    def _checked(
        target: PeerTarget,
        url: str,
        reply: Reply,
        accept_statuses: tuple[int, ...],
        accept_client_errors: bool,
    ) -> Reply:
        """A reply the peer answered; refusals (HTTP or OCPI status) become `PeerError`s."""
        if reply.http_status in accept_statuses:
            return reply
        ceiling = 3000 if accept_client_errors else 2000
        if not 200 <= reply.http_status < 300 or reply.envelope.status_code >= ceiling:
            raise PeerError(
                target.name,
                url,
                reply.envelope.status_message or "request refused",
                http_status=reply.http_status,
                status_code=reply.envelope.status_code,
            )
        return reply

    async def pages(
        self,
        target: PeerTarget,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        functional: bool = True,
    ) -> AsyncIterator[list[Any]]:
        """Every page of a list GET, following `Link: <...>; rel="next"` to the end."""
        next_url: str | None = url
        next_params = params
        while next_url is not None:
            reply = await self.call(target, "GET", next_url, params=next_params, functional=functional)
            items = reply.data if isinstance(reply.data, list) else []
            yield items
            match = _NEXT_LINK.search(reply.headers.get("link", ""))
            next_url, next_params = (match.group(1), None) if match and items else (None, None)

    def _record(self, target: PeerTarget, method: str, url: str, result: str) -> None:
        if self._traffic is not None:
            self._traffic.record(target.name, Direction.OUT, f"{method} {url}", result)

    @staticmethod
    def _headers(target: PeerTarget, functional: bool) -> dict[str, str]:
        headers = {
            "Authorization": authorization_header(target.token, base64_encoded=target.base64_token),
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": target.correlation_id or str(uuid.uuid4()),
        }
        if functional:  # never on versions/credentials/hubclientinfo
            for prefix, party in (("OCPI-from", target.from_party), ("OCPI-to", target.to_party)):
                if party is not None:
                    headers[f"{prefix}-country-code"] = party.country_code
                    headers[f"{prefix}-party-id"] = party.party_id
        return headers


def _reply(target: PeerTarget, url: str, response: httpx.Response) -> Reply:
    """Parse the envelope; a non-OCPI body (HTML 500, FastAPI `detail`) becomes a clear PeerError."""
    try:
        envelope = Envelope.model_validate_json(response.content)
    except ValidationError as exc:
        snippet = response.text[:120].replace("\n", " ")
        raise PeerError(
            target.name, url, f"not an OCPI response: {snippet!r}", http_status=response.status_code
        ) from exc
    return Reply(response.status_code, envelope, response.headers)
