"""Locations, Sessions and Tokens (own and partners'), and the eMSP's forwarded-session mapping.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def _key(*extra: sa.Column) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        *extra,
        sa.Column("partner_id", sa.String(36), index=True),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("data", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "locations",
        *_key(sa.Column("id", sa.String(36), nullable=False)),
        sa.UniqueConstraint("country_code", "party_id", "id", name="uq_locations_key"),
    )
    op.create_table(
        "sessions",
        *_key(
            sa.Column("id", sa.String(36), nullable=False, index=True),
            sa.Column("location_id", sa.String(36), nullable=False),
            sa.Column("token_country_code", sa.String(2), nullable=False),
            sa.Column("token_party_id", sa.String(3), nullable=False),
        ),
        sa.Column("preferences", sa.JSON()),
        sa.UniqueConstraint("country_code", "party_id", "id", name="uq_sessions_key"),
    )
    op.create_table(
        "tokens",
        *_key(
            sa.Column("uid", sa.String(36), nullable=False), sa.Column("type", sa.String(20), nullable=False)
        ),
        sa.UniqueConstraint("country_code", "party_id", "uid", "type", name="uq_tokens_key"),
    )
    op.create_table(
        "forwarded_sessions",
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("cpo_partner_id", sa.String(36), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("party_id", sa.String(3), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("scsp_partner_id", sa.String(36), nullable=False, index=True),
        sa.UniqueConstraint(
            "country_code", "party_id", "session_id", "scsp_partner_id", name="uq_forwarded_sessions_source"
        ),
    )


def downgrade() -> None:
    for table in ("forwarded_sessions", "tokens", "sessions", "locations"):
        op.drop_table(table)
