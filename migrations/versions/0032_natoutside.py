"""natoutside: a national batch may include approved hours served elsewhere

Revision ID: 0032_natoutside
Revises: 0031_starbadge
Create Date: 2026-12-07 21:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_natoutside"
down_revision = "0031_starbadge"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite copies the table to add a column: keep its ids never reused.
    with op.batch_alter_table(
        "credit_batches", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column("include_outside", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table(
        "credit_batches", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("include_outside")
