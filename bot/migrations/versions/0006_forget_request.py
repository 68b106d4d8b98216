"""forget me: a pending confirmation on the contact

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forget_requested_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.drop_column('forget_requested_at')
