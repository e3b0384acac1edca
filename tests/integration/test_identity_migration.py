"""Migration 0006_identity on a database that has partners: the registered keep their parties as agreed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

import fera.store
from fera.ocpi.auth import Party
from fera.ocpi.types import Role
from fera.store.sqlalchemy.database import Database
from tests.nodes import Databases

ROLES = [
    {"role": "EMSP", "country_code": "NL", "party_id": "EMS", "name": "eMSP", "website": None},
    {"role": "SCSP", "country_code": "NL", "party_id": "EMS", "name": "eMSP", "website": None},
]


def _before_identity(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(fera.store.__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, "0001")  # partners as they were before this revision
    partners = sa.table(
        "partners",
        *(sa.column(c) for c in ("id", "name", "created_at", "inbound_token_hash", "outbound_token")),
        sa.column("roles", sa.JSON),
        sa.column("endpoints", sa.JSON),
    )
    now = datetime(2030, 1, 1, tzinfo=UTC)
    connection.execute(
        partners.insert(),
        [
            {"id": "registered", "name": "ems", "created_at": now, "roles": ROLES, "endpoints": []}
            | {"inbound_token_hash": "h1", "outbound_token": "t1"},
            {"id": "invited", "name": "new", "created_at": now, "roles": [], "endpoints": []}
            | {"inbound_token_hash": None, "outbound_token": None},
        ],
    )


async def test_registered_partners_keep_their_parties_invitations_stay_open(tmp_path: Path) -> None:
    databases = Databases(tmp_path)
    database = Database(await databases.new("migration"))
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_before_identity)
        await database.migrate()
        async with database.unit_of_work() as uow:
            registered, invited = await uow.partners.get("registered"), await uow.partners.get("invited")
    finally:
        await database.close()
        await databases.drop_all()
    assert registered is not None and invited is not None
    assert registered.agreed == [Party("NL", "EMS", Role.EMSP), Party("NL", "EMS", Role.SCSP)]
    assert registered.previous_token_hash is None and invited.agreed == []
