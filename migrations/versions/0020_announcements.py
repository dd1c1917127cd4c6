"""announcements: announcements and their frozen recipients

Revision ID: 0020_announcements
Revises: 0019_feedback
Create Date: 2026-12-07 16:36:57.294309

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_announcements'
down_revision = '0019_feedback'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('signups', sa.String(length=16), nullable=False),
    sa.Column('among', sa.String(length=16), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('send_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('remind_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("audience IN ('team', 'task', 'shift', 'campaign', 'college', 'segment', 'everyone')", name=op.f('ck_announcements_audience')),
    sa.CheckConstraint("signups IN ('confirmed', 'waitlisted', 'both')", name=op.f('ck_announcements_signups')),
    sa.CheckConstraint("status IN ('scheduled', 'sending', 'sent', 'withdrawn')", name=op.f('ck_announcements_status')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_announcements_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_send_at'), ['send_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_team_id'), ['team_id'], unique=False)

    op.create_table('announcement_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_recipients_announcement_id_announcements')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_announcement_recipients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_recipients')),
    sa.UniqueConstraint('announcement_id', 'user_id', name=op.f('uq_announcement_recipients_announcement_id_user_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('announcement_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_recipients_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_recipients_delivered_at'), ['delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_recipients_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('announcement_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_recipients_user_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_recipients_delivered_at'))
        batch_op.drop_index(batch_op.f('ix_announcement_recipients_announcement_id'))

    op.drop_table('announcement_recipients')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_team_id'))
        batch_op.drop_index(batch_op.f('ix_announcements_status'))
        batch_op.drop_index(batch_op.f('ix_announcements_send_at'))
        batch_op.drop_index(batch_op.f('ix_announcements_author_id'))

    op.drop_table('announcements')
