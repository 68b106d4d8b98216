"""first-contact privacy notice and the under-13 minimal mode on the contact

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('child_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.drop_column('child_at')
        batch_op.drop_column('notice_at')
