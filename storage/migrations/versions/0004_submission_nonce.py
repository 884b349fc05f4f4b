"""submission nonce

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 18:21:47.960025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nonce", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_submissions_task_nonce", ["task_id", "nonce"])


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_submissions_task_nonce", type_="unique")
        batch_op.drop_column("nonce")
