"""handoff and youth-worker console: organisations, workers, sessions, handoffs, outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:20:33
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('sms_number', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug'),
    sa.UniqueConstraint('sms_number')
    )
    op.create_table('worker',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_org_id'), ['org_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_handoff_id'), ['handoff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_worker_id'), ['worker_id'], unique=False)

    op.create_table('console_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('console_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_session_worker_id'), ['worker_id'], unique=False)

    op.create_table('handoff',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('open_sender', sa.String(length=80), nullable=True),
    sa.Column('needs', sa.String(length=255), nullable=False, server_default=''),
    sa.ForeignKeyConstraint(['closed_by'], ['worker.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('open_sender')
    )
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_handoff_org_status', ['org_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_sender_id'), ['sender_id'], unique=False)

    op.create_table('handoff_message',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('crisis', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoff_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_message_handoff_id'), ['handoff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_message_sender_id'), ['sender_id'], unique=False)

    op.create_table('handoff_note',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoff_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_note_handoff_id'), ['handoff_id'], unique=False)

    op.create_table('handoff_tag',
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('handoff_id', 'tag')
    )
    with op.batch_alter_table('handoff_tag', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_tag_tag', ['tag'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['handoff_message.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')
        batch_op.drop_index(batch_op.f('ix_outbox_sender_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('handoff_tag', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_tag_tag')

    op.drop_table('handoff_tag')
    with op.batch_alter_table('handoff_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_note_handoff_id'))

    op.drop_table('handoff_note')
    with op.batch_alter_table('handoff_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_message_sender_id'))
        batch_op.drop_index(batch_op.f('ix_handoff_message_handoff_id'))

    op.drop_table('handoff_message')
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_sender_id'))
        batch_op.drop_index('ix_handoff_org_status')
        batch_op.drop_index(batch_op.f('ix_handoff_org_id'))

    op.drop_table('handoff')
    with op.batch_alter_table('console_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_session_worker_id'))
        batch_op.drop_index(batch_op.f('ix_console_session_expires_at'))

    op.drop_table('console_session')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_worker_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_org_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_handoff_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_created_at'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('worker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_org_id'))

    op.drop_table('worker')
    op.drop_table('organisation')
    op.drop_table('login_throttle')
