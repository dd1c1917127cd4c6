"""SQLite ids are never reused: every table with an integer id becomes AUTOINCREMENT

Without AUTOINCREMENT SQLite gives the next row max(id) + 1, so the id of the newest deleted
row (a discarded credit batch, say) comes back, and audit entries and exports that name it
then mix two rows. Each such table is copied into an AUTOINCREMENT one (batch mode,
recreate="always"), rows, indexes and constraints kept, and sqlite_sequence starts at the
table's current largest id. PostgreSQL sequences never hand an id out twice: nothing to do.

Revision ID: 0013_sqlite_ids
Revises: 0012_datahub
Create Date: 2026-12-07 13:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_sqlite_ids"
down_revision = "0012_datahub"
branch_labels = None
depends_on = None


def _tables_with_integer_ids(bind) -> list[str]:
    """Tables whose primary key is one integer column that is not also a foreign key
    (the only kind SQLite can make AUTOINCREMENT)."""
    inspector = sa.inspect(bind)
    names = []
    for name in inspector.get_table_names():
        if name == "alembic_version" or name.startswith("sqlite_"):
            continue
        key = inspector.get_pk_constraint(name)["constrained_columns"]
        if len(key) != 1:
            continue
        column = next(c for c in inspector.get_columns(name) if c["name"] == key[0])
        foreign = {c for fk in inspector.get_foreign_keys(name) for c in fk["constrained_columns"]}
        if isinstance(column["type"], sa.Integer) and key[0] not in foreign:
            names.append(name)
    return names


def _rebuild(name: str, bind) -> None:
    with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass
    key = sa.inspect(bind).get_pk_constraint(name)["constrained_columns"][0]
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
    bind.exec_driver_sql(
        f'INSERT INTO sqlite_sequence (name, seq) SELECT ?, COALESCE(MAX("{key}"), 0) '
        f'FROM "{name}"',
        (name,),
    )


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # Dropping the old copy of a table with foreign keys on would run its ON DELETE
    # actions (CASCADE would empty the child tables), and SQLite only turns them off
    # outside a transaction: finish the earlier revisions' one, rebuild in a transaction
    # of our own, check every reference, and turn the checks on again.
    dbapi = bind.connection.dbapi_connection
    dbapi.commit()
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        bind.exec_driver_sql("BEGIN")
        for name in _tables_with_integer_ids(bind):
            _rebuild(name, bind)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
        dbapi.commit()
    except Exception:
        dbapi.rollback()
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def downgrade():
    # AUTOINCREMENT tables are valid for the earlier schema too: nothing to undo.
    pass
