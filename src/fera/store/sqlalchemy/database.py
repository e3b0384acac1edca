"""Engine, migrations and units of work for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pydantic_core
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, func, make_url, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from fera.store.sqlalchemy import _sqlite_driver as sqlite_driver
from fera.store.sqlalchemy._liveness import check_when_idle
from fera.store.sqlalchemy._writers import serialise_writers
from fera.store.sqlalchemy.forwards import SqlForwardedSessionStore
from fera.store.sqlalchemy.gateways import SqlStationCommandStore, SqlStationPresenceStore
from fera.store.sqlalchemy.hubs import SqlHubClientInfoStore
from fera.store.sqlalchemy.locations import SqlLocationStore
from fera.store.sqlalchemy.outbox import SqlOutboxStore
from fera.store.sqlalchemy.ownership import AdvisoryLease, OneProcessLease, try_own
from fera.store.sqlalchemy.partners import SqlPartnerStore
from fera.store.sqlalchemy.plans import SqlPlanViewStore
from fera.store.sqlalchemy.profile_jobs import SqlProfileJobStore
from fera.store.sqlalchemy.profiles import (
    SqlActiveProfileStore,
    SqlProfileRequestStore,
    SqlSenderProfileStore,
)
from fera.store.sqlalchemy.sessions import SqlSessionStore
from fera.store.sqlalchemy.signals import SqlSignalStore
from fera.store.sqlalchemy.sites import SqlSiteShareStore
from fera.store.sqlalchemy.stations import SqlStationBindingStore, SqlStationLookupStore
from fera.store.sqlalchemy.tokens import SqlTokenStore

__all__ = ["Database", "SqlUnitOfWork", "upgrade"]

_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
POOL_SIZE, POOL_OVERFLOW = 30, 10  # connections per process kept, and opened beyond them at most


class SqlUnitOfWork:
    """Repositories sharing one session: one transaction per unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.partners = SqlPartnerStore(session)
        self.locations = SqlLocationStore(session)
        self.sessions = SqlSessionStore(session)
        self.tokens = SqlTokenStore(session)
        self.forwards = SqlForwardedSessionStore(session)
        self.hub_client_infos = SqlHubClientInfoStore(session)
        self.profile_requests = SqlProfileRequestStore(session)
        self.active_profiles = SqlActiveProfileStore(session)
        self.sender_profiles = SqlSenderProfileStore(session)
        self.profile_jobs = SqlProfileJobStore(session)
        self.signals = SqlSignalStore(session)
        self.station_bindings = SqlStationBindingStore(session)
        self.station_lookups = SqlStationLookupStore(session)
        self.station_presence = SqlStationPresenceStore(session)
        self.station_commands = SqlStationCommandStore(session)
        self.site_shares = SqlSiteShareStore(session)
        self.plan_view = SqlPlanViewStore(session)
        self.outbox = SqlOutboxStore(session)


class Database:
    """Implements `fera.store.Store`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = _engine(url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._readers = async_sessionmaker(autocommit if self.shared else self.engine, expire_on_commit=False)

    @property
    def shared(self) -> bool:
        """PostgreSQL: several processes share the database and claim its jobs; SQLite: one process."""
        return not self.url.startswith("sqlite")

    async def migrate(self) -> None:
        """Bring the schema to the newest revision (an existing database upgrades in place)."""
        _sqlite_directory_exists(self.url)
        async with self.engine.begin() as conn:
            await conn.run_sync(upgrade)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[SqlUnitOfWork]:
        async with self._sessions() as session, session.begin():
            yield SqlUnitOfWork(session)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlUnitOfWork]:
        """Reads only: nothing is committed (the connection goes back to the pool rolled back). On
        PostgreSQL each statement runs in autocommit, so a read costs no BEGIN and COMMIT round trips
        (each statement sees its own snapshot); SQLite starts no transaction for a SELECT anyway."""
        async with self._readers() as session:
            yield SqlUnitOfWork(session)

    def notifications(self, channel: str, notify: Callable[[], None]) -> AbstractAsyncContextManager[None]:
        return self.messages(channel, lambda _payload: notify())

    @asynccontextmanager
    async def messages(self, channel: str, receive: Callable[[str], None]) -> AsyncIterator[None]:
        if not self.shared:
            yield  # one process: what it queues, it runs itself
            return
        async with self.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection  # asyncpg's own connection

            def listener(_conn: object, _pid: object, _channel: object, payload: object) -> None:
                receive(str(payload))

            assert raw is not None
            await raw.add_listener(channel, listener)
            try:
                yield
            finally:
                await raw.remove_listener(channel, listener)

    async def notify(self, channel: str, payload: str) -> None:
        if not self.shared:
            return  # one process: its listeners heard it in the process
        async with self.engine.begin() as conn:
            await conn.execute(select(func.pg_notify(channel, payload)))

    async def try_own(self, name: str) -> AdvisoryLease | OneProcessLease | None:
        return await try_own(self.engine, name) if self.shared else OneProcessLease()

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_directory_exists(url: str) -> None:
    """A SQLite file in a directory that is not there: said before aiosqlite tries (its worker thread then
    outlives the failed connection and dies noisily on the closed event loop)."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    directory = Path(database).expanduser().parent
    if not directory.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such directory for the SQLite file", str(directory))


def _json_text(value: Any) -> str:
    """A JSON column's text, by pydantic's serialiser: 3.5x faster than `json.dumps` (a session of 480
    charging periods, written whole at every meter reading: 0.24 ms against 0.85) and compact."""
    return pydantic_core.to_json(value).decode()


def _engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, async_creator=_sqlite_connector(url), json_serializer=_json_text, **_sqlite_pool(url)
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        serialise_writers(engine.sync_engine)
        _skip_idle_rollbacks(engine.sync_engine.dialect)
        return engine
    # Pooled connections for every request in flight at once (16-32 under load, plus job claimers and a
    # listener): an overflow connection is closed on its return, and opening one per request (a server
    # process, authentication, asyncpg's type set-up) cost PostgreSQL list GETs 5-10x.
    engine = create_async_engine(
        url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, json_serializer=_json_text
    )
    check_when_idle(engine.sync_engine)
    return engine


def _sqlite_connector(url: str) -> Callable[[], Any]:
    """Opens connections where SQLAlchemy would (the URL's file or memory, its options), each statement one
    hand-off to aiosqlite's thread (`_sqlite_driver`); a lock held by another process is waited for 30 s."""
    target = make_url(url)
    arguments, options = target.get_dialect()().create_connect_args(target)
    return sqlite_driver.connect(*arguments, **{**options, "timeout": 30})


def _skip_idle_rollbacks(dialect: Any) -> None:
    """A read ends with a ROLLBACK though SQLite began no transaction for its SELECTs: through aiosqlite that
    is one more hand-off to the connection's thread and back, a fifth of a page's. Skipped when the
    connection holds no transaction (`in_transaction` is read here, without a hand-off)."""
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        if dbapi_connection.driver_connection.in_transaction:
            rollback(dbapi_connection)

    dialect.do_rollback = do_rollback


def _sqlite_pool(url: str) -> dict[str, int]:
    """A file database keeps as many connections as PostgreSQL's pool: with SQLAlchemy's default (5 + 10)
    16 list GETs at once closed an overflow connection on every return, and each new one started an
    aiosqlite thread and ran the pragmas (SQLite's page of 50 locations: 240 -> 490 req/s). An in-memory
    database has one connection (SQLAlchemy's StaticPool), which takes no size."""
    database = make_url(url).database
    in_memory = not database or database == ":memory:" or "mode=memory" in url
    return {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    # WAL lets the CLI and a running node share the file; busy_timeout waits instead of failing.
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: safe against crashes, one fsync per checkpoint
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")  # module branches (0002 sessions, 0003 profiles) both off 0001
