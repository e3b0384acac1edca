"""The outbox of Locations/Sessions/Tokens pushes (PostgreSQL: written with the change, delivered by a
worker), and what the workers keep per pushed object.

Revision ID: 0010_outbox
Revises: 0001 (its own branch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_outbox"
down_revision = "0001"
branch_labels = ("outbox",)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements an INTEGER key only


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("push", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("tried", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_outbox_key", "outbox", ["key"])
    op.create_index("ix_outbox_due_at", "outbox", ["due_at"])
    op.create_table(
        "outbox_objects",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("held_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_through", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("outbox_objects")
    op.drop_index("ix_outbox_due_at", "outbox")
    op.drop_index("ix_outbox_key", "outbox")
    op.drop_table("outbox")
