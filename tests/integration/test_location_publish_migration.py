"""Migration 0008_pages on a database that holds locations: `publish` becomes a column, taken from each
location's stored JSON, so unpublished locations stay hidden after the upgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

import fera.store
from fera.store.records import Visibility, Window
from fera.store.sqlalchemy.database import Database
from tests.integration.test_sessions_support import location_json
from tests.nodes import Databases


def _before_publish_column(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(fera.store.__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, "0002")  # locations as they were before this revision
    locations = sa.table(
        "locations",
        *(sa.column(c) for c in ("country_code", "party_id", "id", "partner_id", "last_updated")),
        sa.column("data", sa.JSON),
    )
    rows = [("OPEN", True), ("HIDDEN", False)]
    connection.execute(
        locations.insert(),
        [
            {"country_code": "NL", "party_id": "CPO", "id": location_id, "partner_id": None}
            | {"last_updated": datetime(2030, 1, 1, tzinfo=UTC)}
            | {"data": location_json(location_id) | {"publish": publish}}
            for location_id, publish in rows
        ],
    )


async def test_stored_unpublished_locations_stay_unpublished(tmp_path: Path) -> None:
    databases = Databases(tmp_path)
    database = Database(await databases.new("migration"))
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_before_publish_column)
        await database.migrate()
        async with database.reading() as uow:
            unpublished = await uow.locations.unpublished()
            everyone = Visibility(all_locations=True)
            public = await uow.locations.public_wire_page(everyone, Window(0, 10))
            exact = await uow.locations.wire_page(None, everyone, Window(0, 10))
    finally:
        await database.close()
        await databases.drop_all()
    assert [location.id for location in unpublished] == ["HIDDEN"]
    assert public is None  # one is unpublished: the caller must work out who sees it
    assert exact.total == 2
