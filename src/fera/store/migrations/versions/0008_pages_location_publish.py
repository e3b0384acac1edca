"""Locations: `publish` as a column of its own (it stays in the wire JSON too), so a list GET finds our
unpublished locations through an index instead of decoding every location's JSON on every request.

Revision ID: 0008_pages
Revises: 0001 (its own branch; needs the locations table of 0002)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_pages"
down_revision = "0001"
branch_labels = ("location_publish",)
depends_on = "0002"


def upgrade() -> None:
    op.add_column("locations", sa.Column("publish", sa.Boolean(), nullable=False, server_default=sa.true()))
    unpublished = (
        "(data ->> 'publish')::boolean IS false"
        if op.get_bind().dialect.name == "postgresql"
        else "json_extract(data, '$.publish') = 0"  # SQLite's JSON false
    )
    op.execute(f"UPDATE locations SET publish = false WHERE {unpublished}")
    op.create_index("ix_locations_publish", "locations", ["publish"])


def downgrade() -> None:
    op.drop_index("ix_locations_publish", "locations")
    op.drop_column("locations", "publish")
