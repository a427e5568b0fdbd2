"""sent mail, report requests, digests

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 18:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sent_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_mail")),
        sa.UniqueConstraint("key", name=op.f("uq_sent_mail_key")),
    )
    op.create_table(
        "report_request",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_report_request_user_id_user")
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_report_request")),
    )
    with op.batch_alter_table("report_request") as batch_op:
        batch_op.create_index(batch_op.f("ix_report_request_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_request") as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_request_user_id"))
    op.drop_table("report_request")
    op.drop_table("sent_mail")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("digest_sent_at")
