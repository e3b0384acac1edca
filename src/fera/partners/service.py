"""The Credentials module's logic, both as the party being registered with and as the one registering."""

from __future__ import annotations

import asyncio
import builtins
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fera.ocpi.auth import Caller, Party, TokenKind, hash_token, new_token
from fera.ocpi.credentials import Credentials, CredentialsClient
from fera.ocpi.errors import (
    InvalidParameters,
    MethodNotAllowed,
    PeerError,
    UnableToUseClientApi,
    Unauthorized,
)
from fera.ocpi.peer import PeerTarget
from fera.ocpi.types import Role
from fera.ocpi.versions import VersionsClient
from fera.partners.cache import PartnerCache
from fera.partners.discovery import Discovered, discover
from fera.partners.identity import claim_refusal, taken_refusal
from fera.partners.model import Partner, PartnerRole
from fera.partners.wire import Identity, Invitation, apply_credentials, credentials_url, domain_role
from fera.store.protocols import Store, UnitOfWork

__all__ = ["Identity", "Invitation", "PartnerService"]

log = logging.getLogger(__name__)
# The shortest id prefix the CLI and the admin API take for a partner (`fera partners list` prints 8).
MIN_ID_PREFIX = 4
# Said to whoever registers with a token A the partner refuses (wrong, revoked or already used).
TOKEN_A_HINT = (
    "token A refused: it is wrong, revoked or was already used; ask the partner for a new invitation"
)


class PartnerService:
    """Implements `CredentialsService`; also registers with, rotates and leaves other platforms."""

    def __init__(
        self,
        store: Store,
        identity: Identity,
        versions: VersionsClient,
        credentials: CredentialsClient,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        token_grace: timedelta = timedelta(seconds=60),
        cache_ttl_s: float = 5.0,
    ) -> None:
        self._store, self._identity, self._now = store, identity, now
        # Each request resolves its token here: from memory, not a database read (see `PartnerCache`).
        self._cache = PartnerCache(cache_ttl_s)
        self._loading = asyncio.Lock()
        # Wall-clock time, not the node's (possibly simulated) clock: it bounds requests in flight.
        self._grace = token_grace
        # Claims are checked against every other partner, then saved: one at a time, so two registrations
        # can't both take the same party (registrations are rare; this process is the only writer of them).
        self._claims = asyncio.Lock()
        self._versions, self._credentials = versions, credentials
        # Called once we hold the partner's token and it holds ours with our roles (registration, rotation):
        # the moment both sides can call each other's functional modules (used to resynchronise).
        self.registered_listeners: list[Callable[[Partner], Awaitable[None]]] = []

    # -- resolving callers ---------------------------------------------------------------------
    async def resolve(self, token_hash: str) -> Caller | None:
        partner = await self._by_token(token_hash)
        if partner is None or self._expired(partner, token_hash):
            return None
        kind = TokenKind.A if partner.token_a_hash == token_hash else TokenKind.CALLER
        return Caller(partner.id, kind, partner.parties())

    async def cached(self, partner_id: str) -> Partner | None:
        """The partner as last read (changes by another process show after the cache TTL); read-only."""
        await self._load()
        return self._cache.by_id(partner_id) or await self.find(partner_id)

    async def known(self) -> builtins.list[Partner]:
        """Every partner as last read (who to push to); read-only. See `cached` for another process's
        changes."""
        await self._load()
        return self._cache.all()

    async def _by_token(self, token_hash: str) -> Partner | None:
        await self._load()
        partner = self._cache.by_token(token_hash)
        if partner is None:  # perhaps handed out by another process (the CLI) since the snapshot
            async with self._store.unit_of_work() as uow:
                partner = await uow.partners.by_token_hash(token_hash)
            if partner is not None:
                self._cache.clear()
        return partner

    async def _load(self) -> None:
        if self._cache.fresh():
            return
        async with self._loading:  # one read refills it for every request waiting
            if self._cache.fresh():
                return
            generation = self._cache.generation
            async with self._store.unit_of_work() as uow:
                partners = await uow.partners.list()
            self._cache.fill(partners, generation)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that changes partners: the cache is cleared once it ends, committed or not."""
        try:
            async with self._store.unit_of_work() as uow:
                yield uow
        finally:
            self._cache.clear()

    # -- CredentialsService (we are the Receiver of the handshake) ----------------------------
    async def get(self, caller: Caller, presented_token: str) -> Credentials:
        return self._identity.credentials(presented_token)

    async def register(self, caller: Caller, credentials: Credentials) -> Credentials:
        async with self._claims:
            partner = await self._partner(caller)
            if partner.registered:
                raise MethodNotAllowed("Already registered: use PUT to update the credentials")
            if caller.token_kind is not TokenKind.A:
                raise Unauthorized("Registration needs a token A")
            return await self._accept(partner, credentials)

    async def update(self, caller: Caller, credentials: Credentials) -> Credentials:
        async with self._claims:
            partner = await self._partner(caller)
            if not partner.registered or caller.token_kind is TokenKind.A:
                raise MethodNotAllowed("Not registered: use POST to register first")
            return await self._accept(partner, credentials)

    async def unregister(self, caller: Caller) -> None:
        partner = await self._partner(caller)
        if not partner.registered or caller.token_kind is TokenKind.A:
            raise MethodNotAllowed("Not registered")
        async with self._writing() as uow:
            await uow.partners.delete(partner.id)

    async def _accept(self, partner: Partner, credentials: Credentials) -> Credentials:
        """Check the claimed roles, call the client back with its token B, then hand out a fresh token C
        (token A dies here; on a PUT the token it replaces keeps working for the grace window)."""
        claimed = [domain_role(r).party for r in credentials.roles]
        refusal = claim_refusal(partner, claimed, await self._others(partner.id), self._identity.parties())
        if refusal is not None:
            log.warning("credentials of partner %s (%s) refused: %s", partner.name, partner.id, refusal)
            raise InvalidParameters(refusal)
        target = PeerTarget(partner.name, credentials.token)
        found = await discover(self._versions, target, credentials.url)
        token_c = new_token()
        apply_credentials(partner, credentials, found)
        partner.agreed = partner.agreed or claimed
        if partner.inbound_token_hash is not None:
            self._keep_previous(partner, partner.inbound_token_hash)
        partner.outbound_token, partner.inbound_token_hash = credentials.token, hash_token(token_c)
        partner.token_a_hash = None
        async with self._writing() as uow:
            await uow.partners.save(partner)
        return self._identity.credentials(token_c)

    async def _partner(self, caller: Caller) -> Partner:
        async with self._store.unit_of_work() as uow:
            partner = await uow.partners.get(caller.partner_id)
        if partner is None:
            raise Unauthorized("Unknown partner")
        return partner

    # -- we are the Sender of the handshake ---------------------------------------------------
    async def invite(self, name: str, parties: Sequence[Party] = ()) -> Invitation:
        """A token A to hand to a partner out of band, with our versions URL. Only `parties` may register with
        it; none named: the first registration fixes them (InvalidParameters if one is ours or
        another partner's)."""
        token_a = new_token()
        partner = Partner(
            id=str(uuid.uuid4()),
            name=name,
            created_at=self._now(),
            token_a_hash=hash_token(token_a),
            agreed=list(dict.fromkeys(parties)),
        )
        async with self._claims:
            self._check_free(parties, await self._others(None))
            async with self._writing() as uow:
                await uow.partners.add(partner)
        return Invitation(partner.id, token_a, self._identity.versions_url)

    async def add_party(self, partner_id: str, party: Party) -> Partner:
        """Operator action: the partner may claim `party` in its next credentials PUT (else LookupError)."""
        async with self._claims:
            partner = await self.find(partner_id)
            if partner is None:
                raise LookupError(f"no partner {partner_id}")
            self._check_free([party], await self._others(partner.id))
            if not partner.agrees_to(party):
                partner.agreed.append(party)
                async with self._writing() as uow:
                    await uow.partners.save(partner)
        return partner

    async def register_with(self, versions_url: str, token_a: str, name: str | None = None) -> Partner:
        """Discover with token A, POST our token B, keep their token C. Nothing is left behind on failure."""
        await self._not_yet_registered(versions_url)
        target = PeerTarget(name or versions_url, token_a)
        try:
            found = await discover(self._versions, target, versions_url)
        except UnableToUseClientApi as exc:
            refused = isinstance(exc.__cause__, PeerError) and exc.__cause__.http_status == 401
            if not refused:
                raise
            raise UnableToUseClientApi(f"{versions_url}: {TOKEN_A_HINT} (HTTP 401)") from exc
        token_b = new_token()
        partner = Partner(
            id=str(uuid.uuid4()),
            name=name or versions_url,
            created_at=self._now(),
            inbound_token_hash=hash_token(token_b),
            versions_url=versions_url,
        )
        async with self._writing() as uow:  # committed first: they call us back with B
            await uow.partners.add(partner)
        try:
            theirs = await self._credentials.register(
                target, credentials_url(found), self._identity.credentials(token_b)
            )
        except PeerError:
            async with self._writing() as uow:
                await uow.partners.delete(partner.id)
            raise
        return await self._keep(partner, theirs, found)

    async def rotate(self, partner_id: str) -> Partner:
        """Token rotation (PUT): a new token B for them, a new token C from them, endpoints re-discovered."""
        partner = await self._registered(partner_id)
        old_hash, token_b = partner.inbound_token_hash, new_token()
        previous = partner.previous_token_hash, partner.previous_token_until
        target = PeerTarget(partner.name, partner.outbound_token or "", partner.base64_tokens)
        found = await discover(self._versions, target, partner.versions_url or "")
        partner.inbound_token_hash = hash_token(token_b)
        self._keep_previous(partner, old_hash or "")
        async with self._writing() as uow:
            await uow.partners.save(partner)
        try:
            theirs = await self._credentials.update(
                target, credentials_url(found), self._identity.credentials(token_b)
            )
        except PeerError:
            partner.inbound_token_hash = old_hash
            partner.previous_token_hash, partner.previous_token_until = previous
            async with self._writing() as uow:
                await uow.partners.save(partner)
            raise
        return await self._keep(partner, theirs, found)

    async def unregister_from(self, partner_id: str) -> None:
        partner = await self._registered(partner_id)
        target = PeerTarget(partner.name, partner.outbound_token or "", partner.base64_tokens)
        url = partner.endpoint("credentials", "SENDER") or partner.endpoint("credentials", "RECEIVER")
        if url is not None:
            await self._credentials.unregister(target, url)
        async with self._writing() as uow:
            await uow.partners.delete(partner.id)

    async def invitations(self) -> list[Partner]:
        """Open invitations: a token A handed out and not used yet."""
        return [p for p in await self.list() if p.token_a_hash is not None and not p.registered]

    async def revoke(self, token_or_id: str) -> Partner:
        """Withdraw an open invitation, named by its token A, its partner id or a unique prefix of that id."""
        async with self._store.unit_of_work() as uow:
            partner = await uow.partners.by_token_hash(hash_token(token_or_id))
        if partner is None or partner.token_a_hash != hash_token(token_or_id):
            partner = await self.find(await self.resolve_id(token_or_id))
        if partner is None or partner.registered or partner.token_a_hash is None:
            raise LookupError(f"{token_or_id} is not an open invitation (see `fera partners invitations`)")
        async with self._store.unit_of_work() as uow:
            await uow.partners.delete(partner.id)
        return partner

    async def resolve_id(self, id_or_prefix: str) -> str:
        """The full partner id that `id_or_prefix` (as `fera partners list` prints it) names."""
        prefix = id_or_prefix.strip().lower()
        if len(prefix) < MIN_ID_PREFIX:
            # a letter or two could name a partner by accident, and unregister cannot be undone
            hint = "see `fera partners list`"
            raise LookupError(f"give at least {MIN_ID_PREFIX} characters of the id ({hint})")
        matches = [p.id for p in await self.list() if p.id.startswith(prefix)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise LookupError(f"no partner {id_or_prefix} (see `fera partners list`)")
        raise LookupError(f"{id_or_prefix} names {len(matches)} partners: give more of the id")

    async def list(self) -> list[Partner]:
        async with self._store.unit_of_work() as uow:
            return await uow.partners.list()

    async def find(self, partner_id: str) -> Partner | None:
        async with self._store.unit_of_work() as uow:
            return await uow.partners.get(partner_id)

    async def target(
        self,
        partner_id: str,
        module: str,
        interface_role: str,
        *,
        to_role: Role | None = None,
        from_role: Role | None = None,
    ) -> tuple[PeerTarget, str]:
        """Directory lookup: how to call (token, routing parties) and where (the partner's endpoint URL)."""
        partner = await self.cached(partner_id)
        if partner is None or not partner.registered:
            raise LookupError(f"no registered partner {partner_id}")
        url = partner.endpoint(module, interface_role)
        if url is None:
            raise LookupError(f"{partner.name} publishes no {module} {interface_role} endpoint")
        return self.peer_target(partner, to_role=to_role, from_role=from_role), url

    def peer_target(
        self, partner: Partner, *, to_role: Role | None = None, from_role: Role | None = None
    ) -> PeerTarget:
        to = next((r.party for r in partner.roles if to_role is None or r.role is to_role), None)
        ours = next((r.party for r in self._identity.roles if from_role is None or r.role is from_role), None)
        return PeerTarget(partner.name, partner.outbound_token or "", partner.base64_tokens, to, ours)

    async def _keep(self, partner: Partner, theirs: Credentials, found: Discovered) -> Partner:
        """Their answer to our POST/PUT: the tokens are theirs to give, the roles only those agreed."""
        apply_credentials(partner, theirs, found)
        partner.outbound_token = theirs.token
        async with self._claims:
            stored = await self.find(partner.id)  # the operator may have agreed a party meanwhile
            partner.agreed = stored.agreed if stored is not None else partner.agreed
            partner.roles = await self._agreed_roles(partner)
            partner.agreed = partner.agreed or [r.party for r in partner.roles]
            async with self._writing() as uow:
                await uow.partners.save(partner)
        for listener in self.registered_listeners:
            await listener(partner)
        return partner

    async def _agreed_roles(self, partner: Partner) -> builtins.list[PartnerRole]:
        """The claimed roles we accept; an unagreed one is dropped (the handshake is done on their side)."""
        others, ours = await self._others(partner.id), self._identity.parties()
        kept: builtins.list[PartnerRole] = []
        for role in partner.roles:
            refusal = claim_refusal(partner, [role.party], others, ours)
            if refusal is None:
                kept.append(role)
            else:
                log.warning("partner %s (%s) claims a role we ignore: %s", partner.name, partner.id, refusal)
        return kept

    async def _others(self, partner_id: str | None) -> builtins.list[Partner]:
        async with self._store.unit_of_work() as uow:
            return [p for p in await uow.partners.list() if p.id != partner_id]

    def _check_free(self, parties: Sequence[Party], others: Sequence[Partner]) -> None:
        refusal = taken_refusal(parties, others, self._identity.parties())
        if refusal is not None:
            raise InvalidParameters(refusal)

    def _keep_previous(self, partner: Partner, token_hash: str) -> None:
        """The token being replaced works until the grace window ends (no window: it dies now)."""
        keep = self._grace > timedelta(0)
        partner.previous_token_hash = token_hash if keep else None
        partner.previous_token_until = self._now() + self._grace if keep else None

    def _expired(self, partner: Partner, token_hash: str) -> bool:
        """A previous token past its grace window (or the partner's current token: never expired)."""
        if partner.previous_token_hash != token_hash:
            return False
        return partner.previous_token_until is None or partner.previous_token_until <= self._now()

    async def _not_yet_registered(self, versions_url: str) -> None:
        known = next((p for p in await self.list() if p.registered and p.versions_url == versions_url), None)
        if known is not None:
            raise LookupError(
                f"already registered with {known.name} ({known.id[:8]}): "
                "use `fera partners rotate` for new tokens, or unregister first"
            )

    async def _registered(self, partner_id: str) -> Partner:
        async with self._store.unit_of_work() as uow:
            partner = await uow.partners.get(partner_id)
        if partner is None or not partner.registered:
            raise LookupError(f"no registered partner {partner_id}")
        return partner
