"""Hub client info: the parties behind each hub partner, as its HubClientInfo pushes say.

Revision ID: 0006_peers_hubclientinfo
Revises: 0001 (its own branch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_peers_hubclientinfo"
down_revision = "0001"
branch_labels = ("hubs",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_client_infos",
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("partner_id", sa.String(36), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.UniqueConstraint("partner_id", "country_code", "party_id", name="uq_hub_client_infos_party"),
    )


def downgrade() -> None:
    op.drop_table("hub_client_infos")
