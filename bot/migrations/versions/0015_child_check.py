"""An age under 13 is confirmed before anything is deleted: channel_contact.child_check_at

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('child_check_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.drop_column('child_check_at')
