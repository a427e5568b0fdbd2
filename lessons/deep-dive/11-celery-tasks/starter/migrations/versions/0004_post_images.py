"""post images

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 16:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("post") as batch_op:
        batch_op.add_column(sa.Column("image", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("post") as batch_op:
        batch_op.drop_column("image")
