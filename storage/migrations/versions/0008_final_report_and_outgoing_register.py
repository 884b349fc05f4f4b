"""final report: the văn thư's number and date, the final files, the outgoing register

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT_COLUMNS = (
    ("source", sa.String(length=16), "generated"),
    ("number_symbol", sa.String(length=40), ""),
    ("final_docx_path", sa.Text(), ""),
    ("final_pdf_path", sa.Text(), ""),
    ("signed_by", sa.String(length=200), ""),
)


def upgrade() -> None:
    with op.batch_alter_table("report_drafts") as batch:
        for name, kind, default in _TEXT_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))
        batch.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
    op.create_table(
        "outgoing_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_symbol", sa.String(length=40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_outgoing_numbers_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_numbers")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_outgoing_numbers_year")),
    )


def downgrade() -> None:
    op.drop_table("outgoing_numbers")
    with op.batch_alter_table("report_drafts") as batch:
        batch.drop_column("issued_on")
        for name, _kind, _default in reversed(_TEXT_COLUMNS):
            batch.drop_column(name)
