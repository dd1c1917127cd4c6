"""apihub: what the campus data hub was last told of each person; webhook secrets encrypted

Existing webhook secrets are encrypted in place (Fernet) with the key the app uses
(`app.api.webhooks`: WEBHOOK_SECRET_KEY, else HKDF-SHA256 of SECRET_KEY with info
"gongchuang/webhook-secrets/1"); the derivation is written out here so that this migration
keeps working whatever the app's code becomes. Downgrading decrypts them again.

Revision ID: 0034_apihub
Revises: 0033_apicore
Create Date: 2026-12-07 22:56:47.130231

"""

import base64
import hashlib

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0034_apihub"
down_revision = "0033_apicore"
branch_labels = None
depends_on = None

AUTOINCREMENT = {"sqlite_autoincrement": True}
subscriptions = sa.table(
    "webhook_subscriptions",
    sa.column("id", sa.Integer),
    sa.column("secret", sa.String),
    sa.column("secret_encrypted", sa.String),
)


def _fernet() -> Fernet:
    key = current_app.config.get("WEBHOOK_SECRET_KEY")
    if key:
        try:
            return Fernet(key)
        except (ValueError, TypeError):
            return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gongchuang/webhook-secrets/1"
    ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def upgrade():
    op.create_table(
        "hub_summary_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_hub_summary_states_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_summary_states")),
        sa.UniqueConstraint("user_id", name=op.f("uq_hub_summary_states_user_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("hub_summary_states", schema=None) as batch_op:
        batch_op.create_index("ix_hub_summary_states_changed_at", ["changed_at"], unique=False)

    with op.batch_alter_table("webhook_subscriptions", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column("secret_encrypted", sa.String(length=500), nullable=True))
    bind = op.get_bind()
    fernet = _fernet()
    for row_id, secret in bind.execute(sa.select(subscriptions.c.id, subscriptions.c.secret)).all():
        sealed = fernet.encrypt(secret.encode()).decode("ascii")
        bind.execute(
            subscriptions.update()
            .where(subscriptions.c.id == row_id)
            .values(secret_encrypted=sealed)
        )
    with op.batch_alter_table("webhook_subscriptions", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.alter_column(
            "secret_encrypted", existing_type=sa.String(length=500), nullable=False
        )
        batch_op.drop_column("secret")


def downgrade():
    with op.batch_alter_table("webhook_subscriptions", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column("secret", sa.VARCHAR(length=100), nullable=True))
    bind = op.get_bind()
    fernet = _fernet()
    rows = bind.execute(sa.select(subscriptions.c.id, subscriptions.c.secret_encrypted)).all()
    for row_id, sealed in rows:
        secret = fernet.decrypt(sealed.encode("ascii")).decode()
        bind.execute(
            subscriptions.update().where(subscriptions.c.id == row_id).values(secret=secret)
        )
    with op.batch_alter_table("webhook_subscriptions", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.VARCHAR(length=100), nullable=False)
        batch_op.drop_column("secret_encrypted")

    with op.batch_alter_table("hub_summary_states", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_summary_states_changed_at")

    op.drop_table("hub_summary_states")
