"""A CPO's ChargingProfiles job keeps the result it owes its Sender, and whether it was delivered: a job's
outcome is committed before its result is POSTed, so a process that dies in between leaves the result to
another (no job runs twice).

Revision ID: 0008_job_results
Revises: 0001 (its own branch; needs 0003's profile_jobs)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_job_results"
down_revision = "0001"
branch_labels = ("job_results",)
depends_on = "0003"


def upgrade() -> None:
    op.add_column("profile_jobs", sa.Column("result", sa.JSON(), nullable=True))
    op.add_column("profile_jobs", sa.Column("result_delivery", sa.String(8), nullable=True))
    op.add_column("profile_jobs", sa.Column("result_due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_profile_jobs_result_delivery", "profile_jobs", ["result_delivery"])


def downgrade() -> None:
    op.drop_index("ix_profile_jobs_result_delivery", "profile_jobs")
    with op.batch_alter_table("profile_jobs") as batch:  # SQLite drops columns by copying the table
        batch.drop_column("result_due_at")
        batch.drop_column("result_delivery")
        batch.drop_column("result")
