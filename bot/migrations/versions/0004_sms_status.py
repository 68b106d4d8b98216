"""sms delivery status

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_status',
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.String(length=8), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('message_sid')
    )
    with op.batch_alter_table('sms_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_status_sender_id'), ['sender_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sms_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_status_sender_id'))
    op.drop_table('sms_status')
