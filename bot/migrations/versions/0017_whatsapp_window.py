"""WhatsApp's 24-hour window: channel_contact.last_inbound_at

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:45:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_inbound_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.drop_column('last_inbound_at')
