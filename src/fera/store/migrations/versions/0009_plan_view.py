"""What a steering party's planner publishes (the latest plan, each group's flexibility band, each session's
planned steps), so that every process of a node shows it.

Revision ID: 0009_plan_view
Revises: 0001 (its own branch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_plan_view"
down_revision = "0001"
branch_labels = ("plan_view",)


def upgrade() -> None:
    op.create_table(
        "plan_view",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("body", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plan_view")
