"""starbadge: badges of a star level and of books borrowed (the criterion check constraint)

Revision ID: 0031_starbadge
Revises: 0030_stars
Create Date: 2026-12-07 21:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0031_starbadge"
down_revision = "0030_stars"
branch_labels = None
depends_on = None

BEFORE = (
    "'hours_total', 'shifts_total', 'weekly_streak', 'contributions', "
    "'service_star_month', 'reading_star_month'"
)
AFTER = (
    "'hours_total', 'shifts_total', 'weekly_streak', 'contributions', 'star_level', "
    "'books_borrowed', 'service_star_month', 'reading_star_month'"
)


def _criteria(kinds: str) -> None:
    with op.batch_alter_table(
        "badges", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(op.f("ck_badges_criterion"), type_="check")
        batch_op.create_check_constraint(op.f("ck_badges_criterion"), f"criterion IN ({kinds})")


def upgrade():
    _criteria(AFTER)


def downgrade():
    op.execute(
        "DELETE FROM badge_awards WHERE badge_id IN "
        "(SELECT id FROM badges WHERE criterion IN ('star_level', 'books_borrowed'))"
    )
    op.execute("DELETE FROM badges WHERE criterion IN ('star_level', 'books_borrowed')")
    _criteria(BEFORE)
