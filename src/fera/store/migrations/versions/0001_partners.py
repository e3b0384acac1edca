"""Partners: roles, endpoints and tokens (hashed when inbound).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("endpoints", sa.JSON(), nullable=False),
        sa.Column("versions_url", sa.String(255)),
        sa.Column("version", sa.String(10)),
        sa.Column("outbound_token", sa.String(64)),
        sa.Column("inbound_token_hash", sa.String(64), unique=True, index=True),
        sa.Column("token_a_hash", sa.String(64), unique=True, index=True),
        sa.Column("base64_tokens", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_table("partners")
