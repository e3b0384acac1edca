"""ChargingProfiles: Sender requests, received/pushed active profiles, per-sender profiles and CPO jobs.

Revision ID: 0003
Revises: 0001 (a branch beside 0002: the modules' tables don't depend on each other)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = ("chargingprofiles",)

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "profile_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("partner_id", sa.String(36), nullable=False, index=True),
        sa.Column("session_id", sa.String(36), nullable=False, index=True),
        sa.Column("state", sa.String(12), nullable=False, index=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("payload", sa.JSON()),
        sa.Column("response", sa.String(20)),
        sa.Column("timeout_s", sa.Integer()),
        sa.Column("responded_at", _TS),
        sa.Column("deadline", _TS),
        sa.Column("result", sa.JSON()),
        sa.Column("result_at", _TS),
        sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("error", sa.String(255)),
        sa.Column("upstream_partner_id", sa.String(36)),
        sa.Column("upstream_response_url", sa.String(255)),
    )
    op.create_table(
        "received_active_profiles",
        sa.Column("partner_id", sa.String(36), primary_key=True),
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
    )
    op.create_table(
        "sender_profiles",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("partner_id", sa.String(36), primary_key=True),
        sa.Column("profile", sa.JSON()),
        sa.Column("set_at", _TS),
        sa.Column("last_request_at", _TS, nullable=False),
    )
    op.create_table(
        "profile_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False, index=True),
        sa.Column("partner_id", sa.String(36), nullable=False),
        sa.Column("response_url", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("deadline", _TS, nullable=False),
        sa.Column("state", sa.String(8), nullable=False, index=True),
        sa.Column("payload", sa.JSON()),
    )
    op.create_table(
        "pushed_active_profiles",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("pushed_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("pushed_active_profiles", "profile_jobs", "sender_profiles", "received_active_profiles"):
        op.drop_table(table)
    op.drop_table("profile_requests")
