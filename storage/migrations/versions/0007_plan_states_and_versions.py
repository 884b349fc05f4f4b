"""plan states and published versions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00.000000

A plan stored before this revision was in force: it becomes published, version 1, with
its stored document as that version.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="draft")
        )
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_versions_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_plan_versions_plan_id")),
    )
    op.execute(
        "INSERT INTO plan_versions "
        "(plan_id, number, content_hash, document, published_at, published_by, reason) "
        "SELECT id, 1, content_hash, document, updated_at, 'migration', "
        "'in force before plan versions were kept' FROM plans"
    )
    op.execute("UPDATE plans SET state = 'published', version = 1")


def downgrade() -> None:
    op.drop_table("plan_versions")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("version")
        batch.drop_column("state")
