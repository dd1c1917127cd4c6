"""campusgen: leaderboard entries keep their person's college, with the index of a college
board's order, so a college's board reads like everyone's whatever the college's size

Revision ID: 0037_campusgen
Revises: 0036_boardranks
Create Date: 2026-12-08 02:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0037_campusgen"
down_revision = "0036_boardranks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table(
        "leaderboard_entries", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("college_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_leaderboard_college_order",
            ["metric", "period", "college_id", "value", "reached_at", "user_id"],
            unique=False,
        )
    # The entries built so far get their people's colleges (the next build keeps them so).
    op.execute(
        "UPDATE leaderboard_entries SET college_id = "
        "(SELECT users.college_id FROM users WHERE users.id = leaderboard_entries.user_id)"
    )


def downgrade():
    with op.batch_alter_table(
        "leaderboard_entries", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_index("ix_leaderboard_college_order")
        batch_op.drop_column("college_id")
