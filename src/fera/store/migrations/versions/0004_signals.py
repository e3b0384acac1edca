"""Signals: the latest capacity forecast and price/CO2 series per group.

Revision ID: 0004
Revises: 0001 (its own branch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = ("signals",)


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("group_id", sa.String(64), primary_key=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signals")
