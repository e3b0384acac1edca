"""What an operator looks back on: every profile each Sender set or cleared on a session (the CPO's
dashboard), and when a partner last called us (`fera status`'s last contact counts both ways).

Revision ID: 0006_operator
Revises: 0001 (its own branch; needs 0006_cli's partner health columns beside it)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_operator"
down_revision = "0001"
branch_labels = ("operator",)

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sender_profile_changes",
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), nullable=False, index=True),
        sa.Column("partner_id", sa.String(36), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("profile", sa.JSON()),
    )
    op.add_column("partners", sa.Column("last_inbound_at", _TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("last_inbound_at")
    op.drop_table("sender_profile_changes")
