"""Ratings, peer tips, the anonymous search log (unmet need), the handoff kind (peer mentor), check-in asked time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_rating',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sender_id', sa.String(length=80), nullable=True),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('stars', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_status', sa.String(length=8), nullable=False),
    sa.Column('moderated_by', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderated_by'], ['worker.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sender_id', 'service_id', name='uq_rating_sender_service')
    )
    with op.batch_alter_table('service_rating', schema=None) as batch_op:
        batch_op.create_index('ix_service_rating_comment_status', ['comment_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_rating_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_rating_service_id'), ['service_id'], unique=False)

    op.create_table('peer_tip',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('moderated_by', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderated_by'], ['worker.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('peer_tip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_tip_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_tip_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_tip_status'), ['status'], unique=False)

    op.create_table('search_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('need', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=80), nullable=True),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_log_day'), ['day'], unique=False)
        batch_op.create_index('ix_search_log_need_area', ['need', 'area'], unique=False)

    with op.batch_alter_table('pathway_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_asked_at', sa.DateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                      server_default='worker'))


def downgrade() -> None:
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('pathway_step', schema=None) as batch_op:
        batch_op.drop_column('checkin_asked_at')
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_index('ix_search_log_need_area')
        batch_op.drop_index(batch_op.f('ix_search_log_day'))
    op.drop_table('search_log')
    with op.batch_alter_table('peer_tip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_tip_status'))
        batch_op.drop_index(batch_op.f('ix_peer_tip_service_id'))
        batch_op.drop_index(batch_op.f('ix_peer_tip_sender_id'))
    op.drop_table('peer_tip')
    with op.batch_alter_table('service_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_rating_service_id'))
        batch_op.drop_index(batch_op.f('ix_service_rating_sender_id'))
        batch_op.drop_index('ix_service_rating_comment_status')
    op.drop_table('service_rating')
