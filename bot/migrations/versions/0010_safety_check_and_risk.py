"""The concern tier's pending safety check on the contact; the kinds of risk on a handoff

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safety_check_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('safety_check_kinds', sa.String(length=255), nullable=True))
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk', sa.String(length=255), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_column('risk')
    with op.batch_alter_table('channel_contact', schema=None) as batch_op:
        batch_op.drop_column('safety_check_kinds')
        batch_op.drop_column('safety_check_at')
