"""wechat: bindings, shared credentials, templates per kind, the template-message outbox

Revision ID: 0016_wechat
Revises: 0015_imports
Create Date: 2026-12-07 15:58:18.588265

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_wechat'
down_revision = '0015_imports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wechat_credentials',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=512), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_wechat_credentials')),
    sqlite_autoincrement=True
    )
    op.create_table('wechat_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wechat_bindings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_bindings')),
    sa.UniqueConstraint('openid', name=op.f('uq_wechat_bindings_openid')),
    sa.UniqueConstraint('user_id', name=op.f('uq_wechat_bindings_user_id')),
    sqlite_autoincrement=True
    )
    op.create_table('wechat_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_wechat_templates_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_templates')),
    sa.UniqueConstraint('kind', name=op.f('uq_wechat_templates_kind')),
    sqlite_autoincrement=True
    )
    op.create_table('outbox_wechat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('client_msg_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('msgid', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_outbox_wechat_status')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_outbox_wechat_notification_id_notifications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_wechat_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_wechat')),
    sa.UniqueConstraint('client_msg_id', name=op.f('uq_outbox_wechat_client_msg_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('outbox_wechat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_wechat_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index('ix_outbox_wechat_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_wechat_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wechat', sa.Boolean(), nullable=True))



def downgrade():
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_column('wechat')

    with op.batch_alter_table('outbox_wechat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_wechat_user_id'))
        batch_op.drop_index('ix_outbox_wechat_status_created')
        batch_op.drop_index(batch_op.f('ix_outbox_wechat_notification_id'))

    op.drop_table('outbox_wechat')
    op.drop_table('wechat_templates')
    op.drop_table('wechat_bindings')
    op.drop_table('wechat_credentials')
