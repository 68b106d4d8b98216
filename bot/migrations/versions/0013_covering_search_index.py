"""PostgreSQL: the nearest-services index also holds the columns a search reads (an index-only
scan after VACUUM; the heap was read row by row, 1,000 pages for a dense city)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:30:00
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

COVERED = ['active', 'minimum_age', 'maximum_age', 'service_id', 'youth', 'hours', 'reach',
           'audience']


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite reads its rows from a cached B-tree: no change
    op.drop_index('ix_search_need_lat_lon', table_name='search_index')
    op.create_index('ix_search_need_lat_lon', 'search_index',
                    ['need_code', 'latitude', 'longitude'], postgresql_include=COVERED)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_search_need_lat_lon', table_name='search_index')
    op.create_index('ix_search_need_lat_lon', 'search_index',
                    ['need_code', 'latitude', 'longitude'])
