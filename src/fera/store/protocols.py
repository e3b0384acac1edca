"""What services need from storage; SQLAlchemy stays behind these Protocols."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from fera.ocpi.locations.models import Location
from fera.ocpi.pagination import Page
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.ocpi.tokens.models import Token
from fera.store.gateway_protocols import StationCommandStore, StationPresenceStore
from fera.store.hub_protocols import HubClientInfoStore
from fera.store.outbox_protocols import OutboxStore
from fera.store.plan_protocols import PlanViewStore
from fera.store.profile_protocols import (
    ActiveProfileStore,
    ProfileJobStore,
    ProfileRequestStore,
    SenderProfileStore,
)
from fera.store.records import (
    ForwardedSession,
    StoredLocation,
    StoredSession,
    StoredToken,
    Visibility,
    Window,
)
from fera.store.site_protocols import SiteShareStore
from fera.store.station_protocols import StationBindingStore, StationLookupStore

if TYPE_CHECKING:  # fera.partners imports this module (PartnerService takes a Store)
    from fera.partners.model import Partner

__all__ = [
    "ForwardedSessionStore",
    "Lease",
    "LocationStore",
    "PartnerStore",
    "SessionStore",
    "SignalStore",
    "Store",
    "TokenStore",
    "UnitOfWork",
]


class PartnerStore(Protocol):
    async def add(self, partner: Partner) -> None: ...
    async def save(self, partner: Partner) -> None: ...
    async def get(self, partner_id: str) -> Partner | None: ...
    async def by_token_hash(self, token_hash: str) -> Partner | None: ...
    async def list(self) -> list[Partner]: ...
    async def delete(self, partner_id: str) -> None: ...
    async def record_contact(self, outbound_token: str, at: datetime, error: str | None) -> None: ...
    async def record_inbound(self, partner_id: str, at: datetime) -> None: ...


class SignalStore(Protocol):
    async def put(self, kind: str, group_id: str, payload: dict[str, Any], at: datetime) -> None: ...
    async def get(self, kind: str, group_id: str) -> dict[str, Any] | None: ...


class UnitOfWork(Protocol):
    """One transaction: committed when the block ends normally, rolled back otherwise."""

    @property
    def partners(self) -> PartnerStore: ...
    @property
    def locations(self) -> LocationStore: ...
    @property
    def sessions(self) -> SessionStore: ...
    @property
    def tokens(self) -> TokenStore: ...
    @property
    def forwards(self) -> ForwardedSessionStore: ...
    @property
    def hub_client_infos(self) -> HubClientInfoStore: ...
    @property
    def profile_requests(self) -> ProfileRequestStore: ...
    @property
    def active_profiles(self) -> ActiveProfileStore: ...
    @property
    def sender_profiles(self) -> SenderProfileStore: ...
    @property
    def profile_jobs(self) -> ProfileJobStore: ...
    @property
    def signals(self) -> SignalStore: ...
    @property
    def station_bindings(self) -> StationBindingStore: ...
    @property
    def station_lookups(self) -> StationLookupStore: ...
    @property
    def station_presence(self) -> StationPresenceStore: ...
    @property
    def station_commands(self) -> StationCommandStore: ...
    @property
    def site_shares(self) -> SiteShareStore: ...
    @property
    def plan_view(self) -> PlanViewStore: ...
    @property
    def outbox(self) -> OutboxStore: ...


class Store(Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]: ...

    def reading(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work that only reads: nothing committed, and on PostgreSQL no transaction round trips
        (each statement sees its own snapshot). Writing in it is a bug."""
        ...

    async def close(self) -> None: ...

    def notifications(self, channel: str, notify: Callable[[], None]) -> AbstractAsyncContextManager[None]:
        """While open, `notify()` on every notification other processes send on `channel` after their commit
        (PostgreSQL LISTEN; SQLite, one process: never)."""
        ...

    def messages(self, channel: str, receive: Callable[[str], None]) -> AbstractAsyncContextManager[None]:
        """`notifications` with each one's payload (a station id, a command id)."""
        ...

    async def notify(self, channel: str, payload: str) -> None:
        """Tell the processes listening on `channel` (PostgreSQL NOTIFY, in a transaction of its own;
        SQLite, one process: nothing to do)."""
        ...

    async def try_own(self, name: str) -> Lease | None:
        """The work named `name` is this process's while the lease is held; None: another process has it."""
        ...


class Lease(Protocol):
    """One process's hold on a piece of work (PostgreSQL: a session-level advisory lock on a connection
    of its own, let go when the process dies)."""

    async def held(self) -> bool: ...
    async def release(self) -> None: ...


# -- Locations, Sessions, Tokens (issue 3) ---------------------------------------------------------------
# Objects are the OCPI wire models; `partner_id` None marks objects this node owns, otherwise the partner
# that pushed (or was pulled from). Keys compare case-insensitively (CiString).


class LocationStore(Protocol):
    async def get(self, country_code: str, party_id: str, location_id: str) -> StoredLocation | None: ...
    async def own(self, location_id: str) -> Location | None: ...
    async def put(self, location: Location, partner_id: str | None) -> bool: ...  # True when created
    async def page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page: ...
    async def ids(self) -> set[str]: ...  # every location id known (ours and received), upper-cased
    async def unpublished(self) -> list[Location]: ...  # our own with `publish` false
    # The same page, each item its stored wire JSON (`WireJson`): served as is by the list GET.
    async def wire_page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page: ...
    # Our own page as `wire_page`, in one statement, when none of our locations is unpublished; None when
    # one is (or the page is empty): then the caller works out which it may see and asks `wire_page`.
    async def public_wire_page(self, visibility: Visibility, window: Window) -> Page | None: ...


class SessionStore(Protocol):
    async def get(self, country_code: str, party_id: str, session_id: str) -> StoredSession | None: ...
    async def own(self, session_id: str) -> StoredSession | None: ...
    async def own_many(self, session_ids: Collection[str]) -> dict[str, StoredSession]: ...  # by upper id
    # Ours among the ids, each as its stored JSON text with its (our) location's, in one read, keyed by
    # upper-cased id; the location None when we hold no such location. The text, not a parse: a caller
    # that parsed the same text before need not parse it again.
    async def own_json_at_many(self, session_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]: ...
    async def put(self, session: Session, partner_id: str | None) -> bool: ...
    # A session by its key as stored: (partner_id, its wire form), read without validating it; and a wire
    # form written back (`patched_wire`): the Receiver's PATCH, whose cost must not grow with the periods.
    async def get_wire(
        self, country_code: str, party_id: str, session_id: str
    ) -> tuple[str | None, dict[str, Any]] | None: ...
    async def put_wire(
        self, data: Mapping[str, Any], partner_id: str | None, last_updated: datetime
    ) -> bool: ...
    async def rewrite_own(self, sessions: Sequence[Session], held: Mapping[str, datetime]) -> bool: ...
    async def set_preferences(self, session: Session, preferences: ChargingPreferences) -> None: ...
    async def received(self, partner_id: str, session_id: str) -> Session | None: ...
    # Received sessions of a token (its uid) still ACTIVE or PENDING, with the partner that sent each.
    async def ongoing_of_token(self, uid: str) -> list[StoredSession]: ...
    async def page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page: ...
    # The same page, each item its stored wire JSON (`WireJson`): served as is by the list GET.
    async def wire_page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page: ...
    async def location_ids(self) -> set[str]: ...  # the locations sessions ran at (planning groups)


class TokenStore(Protocol):
    async def get(self, country_code: str, party_id: str, uid: str, type_: str) -> StoredToken | None: ...
    async def put(self, token: Token, partner_id: str | None) -> bool: ...
    async def page(self, partner_id: str | None, window: Window) -> Page: ...
    async def wire_page(self, partner_id: str | None, window: Window) -> Page: ...  # as `page`, `WireJson`s


class ForwardedSessionStore(Protocol):
    async def add(self, forwarded: ForwardedSession) -> None: ...
    async def get(self, forwarded_id: str) -> ForwardedSession | None: ...
    async def by_source(
        self, cpo_partner_id: str, country_code: str, party_id: str, session_id: str
    ) -> list[ForwardedSession]: ...
    async def page(self, scsp_partner_id: str, window: Window) -> Page: ...  # (ForwardedSession, Session)
