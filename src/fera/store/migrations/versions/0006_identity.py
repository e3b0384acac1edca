"""Partner identity: the parties the operator agreed per partner, and the previous token's grace window.

Registered partners keep the parties they registered with: those become their agreed parties.

Revision ID: 0006_identity
Revises: 0001 (its own branch)
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from alembic import op

revision = "0006_identity"
down_revision = "0001"
branch_labels = ("identity",)

_partners = sa.table(
    "partners",
    sa.column("id", sa.String),
    sa.column("roles", sa.JSON),
    sa.column("inbound_token_hash", sa.String),
    sa.column("agreed_parties", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("agreed_parties", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("previous_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("previous_token_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_partners_previous_token_hash", ["previous_token_hash"])
    bind = op.get_bind()
    registered = bind.execute(
        sa.select(_partners.c.id, _partners.c.roles).where(_partners.c.inbound_token_hash.is_not(None))
    )
    for partner_id, roles in registered.all():
        kept = cast(list[dict[str, Any]], roles or [])
        agreed = [{k: r[k] for k in ("role", "country_code", "party_id")} for r in kept]
        bind.execute(_partners.update().where(_partners.c.id == partner_id).values(agreed_parties=agreed))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_index("ix_partners_previous_token_hash")
        batch.drop_column("previous_token_until")
        batch.drop_column("previous_token_hash")
        batch.drop_column("agreed_parties")
