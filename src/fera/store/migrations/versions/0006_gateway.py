"""OCPP gateways in processes of their own: which gateway holds each station, and the commands other
processes hand to it (with the station's answers).

Revision ID: 0006_gateway
Revises: 0001 (its own branch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_gateway"
down_revision = "0001"
branch_labels = ("gateway",)


def upgrade() -> None:
    op.create_table(
        "station_presence",
        sa.Column("station_id", sa.String(48), primary_key=True),
        sa.Column("gateway_id", sa.String(96), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_station_presence_gateway_id", "station_presence", ["gateway_id"])
    op.create_table(
        "station_commands",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("station_id", sa.String(48), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
    )
    op.create_index("ix_station_commands_station_id", "station_commands", ["station_id"])


def downgrade() -> None:
    op.drop_index("ix_station_commands_station_id", "station_commands")
    op.drop_table("station_commands")
    op.drop_index("ix_station_presence_gateway_id", "station_presence")
    op.drop_table("station_presence")
