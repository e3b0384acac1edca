"""Station bindings: which OCPP transaction (station, EVSE, transaction id) each of our sessions runs on.

Also indexes sessions by location, for the ongoing sessions of a site.

Revision ID: 0005
Revises: 0001 (its own branch; needs 0002's sessions table)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = ("stations",)
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "station_bindings",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=False),
        sa.Column("meter_start_wh", sa.Float(), nullable=False),
        sa.UniqueConstraint("station_id", "transaction_id", name="uq_station_bindings_tx"),
    )
    op.create_index("ix_sessions_location_id", "sessions", ["location_id"])


def downgrade() -> None:
    op.drop_index("ix_sessions_location_id", "sessions")
    op.drop_table("station_bindings")
