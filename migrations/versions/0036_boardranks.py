"""boardranks: leaderboard entries without a stored rank (pages count ranks as they read),
and the index of a board's order

Revision ID: 0036_boardranks
Revises: 0035_scaleboards
Create Date: 2026-12-08 00:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0036_boardranks"
down_revision = "0035_scaleboards"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(
        "leaderboard_entries", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_index("ix_leaderboard_rank")
        batch_op.create_index(
            "ix_leaderboard_order",
            ["metric", "period", "value", "reached_at", "user_id"],
            unique=False,
        )
        batch_op.drop_column("rank")


def downgrade():
    # Ranks come back as 0: the older app's next full build (`flask boards rebuild --full`)
    # writes them.
    with op.batch_alter_table(
        "leaderboard_entries", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("rank", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_index("ix_leaderboard_order")
        batch_op.create_index("ix_leaderboard_rank", ["metric", "period", "rank"], unique=False)
