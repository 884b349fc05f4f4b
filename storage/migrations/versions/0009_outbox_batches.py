"""outbox batches: a unit's assignments waiting for the same sending time go in one mail

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("batch", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("carried_by", sa.String(length=300), nullable=True))
    op.create_index(op.f("ix_outbox_batch"), "outbox", ["batch"], unique=False)
    op.create_index(op.f("ix_outbox_carried_by"), "outbox", ["carried_by"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_carried_by"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_batch"), table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("carried_by")
        batch.drop_column("batch")
