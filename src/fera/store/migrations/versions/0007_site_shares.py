"""Site load management shared by several processes: each site's shares and what each station may be
enforcing (and whether it refused its share or was not reached), and the balancing rounds a process
started (one not finished: its process died).

Revision ID: 0007_site_shares
Revises: 0001 (its own branch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_site_shares"
down_revision = "0001"
branch_labels = ("site_shares",)


def upgrade() -> None:
    op.create_table(
        "site_shares",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("site", sa.String(80), nullable=False),
        sa.Column("share", sa.JSON(), nullable=True),
        sa.Column("in_force", sa.JSON(), nullable=True),
        sa.Column("unapplied", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_site_shares_site", "site_shares", ["site"])
    op.create_table(
        "site_rounds",
        sa.Column("site", sa.String(80), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("site_rounds")
    op.drop_index("ix_site_shares_site", "site_shares")
    op.drop_table("site_shares")
