"""Services without a place are read youth-first straight from an index (need, remote, youth)
instead of being sorted per search

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:00:00
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('search_index', schema=None) as batch_op:
        batch_op.drop_index('ix_search_need_remote')
        batch_op.create_index('ix_search_need_remote_youth', ['need_code', 'remote', 'youth'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('search_index', schema=None) as batch_op:
        batch_op.drop_index('ix_search_need_remote_youth')
        batch_op.create_index('ix_search_need_remote', ['need_code', 'remote'], unique=False)
