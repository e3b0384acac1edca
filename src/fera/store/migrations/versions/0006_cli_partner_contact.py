"""Partner health: when we last reached a partner, and the last error it gave us (for `fera status`).

Revision ID: 0006_cli
Revises: 0001 (its own branch)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_cli"
down_revision = "0001"
branch_labels = ("partner_contact",)


def upgrade() -> None:
    op.add_column("partners", sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("partners", sa.Column("last_error", sa.String(300), nullable=True))
    op.add_column("partners", sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("last_error_at")
        batch.drop_column("last_error")
        batch.drop_column("last_contact_at")
