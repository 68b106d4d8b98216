"""Full-text search over services (SQLite FTS5 / PostgreSQL tsvector + GIN); the search index
learns how far a service reaches and who it is for

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # cells: where the service is (bot/directory/fulltext.py), matched only by column filter
        op.execute("CREATE VIRTUAL TABLE service_fts USING fts5(service_id UNINDEXED, name, body, "
                   "cells, tokenize = 'porter unicode61 remove_diacritics 2')")
    else:
        op.create_table('service_text',
                        sa.Column('service_id', sa.String(length=64), nullable=False),
                        sa.Column('doc', sa.dialects.postgresql.TSVECTOR(), nullable=False),
                        sa.ForeignKeyConstraint(['service_id'], ['service.id'],
                                                ondelete='CASCADE'),
                        sa.PrimaryKeyConstraint('service_id'))
        op.create_index('ix_service_text_doc', 'service_text', ['doc'], postgresql_using='gin')
    with op.batch_alter_table('search_index', schema=None) as batch_op:
        # local (coordinates), area (no location: serves the directory's area), remote (phone or
        # online), national (says it serves the whole country)
        batch_op.add_column(sa.Column('reach', sa.String(length=8), nullable=False,
                                      server_default='local'))
        # who it is only for, when not everyone: comma-separated audience codes
        batch_op.add_column(sa.Column('audience', sa.String(length=64), nullable=False,
                                      server_default=''))

    # Build the index and the text for a directory that already holds services.
    from sqlalchemy.orm import Session

    from bot.directory.index import refresh

    refresh(Session(bind=bind, future=True))


def downgrade() -> None:
    with op.batch_alter_table('search_index', schema=None) as batch_op:
        batch_op.drop_column('audience')
        batch_op.drop_column('reach')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE service_fts")
    else:
        op.drop_index('ix_service_text_doc', table_name='service_text')
        op.drop_table('service_text')
