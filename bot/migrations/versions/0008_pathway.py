"""My pathway: goals, steps and referrals, and referral outcomes (open outcomes framework)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pathway_goal',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('need', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pathway_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pathway_goal_sender_id'), ['sender_id'], unique=False)

    op.create_table('pathway_step',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checkin_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['pathway_goal.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pathway_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pathway_step_checkin_at'), ['checkin_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pathway_step_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pathway_step_sender_id'), ['sender_id'], unique=False)

    op.create_table('referral_outcome',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.String(length=80), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=True),
    sa.Column('need', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('framework_version', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['step_id'], ['pathway_step.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_outcome', schema=None) as batch_op:
        batch_op.create_index('ix_referral_outcome_need_code', ['need', 'code'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_outcome_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_outcome_step_id'), ['step_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_outcome_step_id'))
        batch_op.drop_index(batch_op.f('ix_referral_outcome_sender_id'))
        batch_op.drop_index('ix_referral_outcome_need_code')

    op.drop_table('referral_outcome')
    with op.batch_alter_table('pathway_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathway_step_sender_id'))
        batch_op.drop_index(batch_op.f('ix_pathway_step_goal_id'))
        batch_op.drop_index(batch_op.f('ix_pathway_step_checkin_at'))

    op.drop_table('pathway_step')
    with op.batch_alter_table('pathway_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathway_goal_sender_id'))

    op.drop_table('pathway_goal')
