"""Per-sender rate limits shared by every replica: rate_window

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_window',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('window', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_rate_window_window', 'rate_window', ['window'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_window_window', table_name='rate_window')
    op.drop_table('rate_window')
