"""deadlines (dates documents state), unread dates, deadline events routed through the outbox, reviews

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=100), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('previous_date', sa.Date(), nullable=True),
    sa.Column('moves', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'kind')
    )
    op.create_index('ix_deadlines_date', 'deadlines', ['date'], unique=False)
    op.create_table('unread_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=100), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'kind', 'evidence_sha256')
    )
    op.create_index(op.f('ix_unread_dates_document_id'), 'unread_dates', ['document_id'], unique=False)
    op.create_table('deadline_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('before', sa.Date(), nullable=True),
    sa.Column('after', sa.Date(), nullable=True),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('routed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index(op.f('ix_deadline_events_deadline_id'), 'deadline_events', ['deadline_id'], unique=False)
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_reviews_change_id'), 'reviews', ['change_id'], unique=False)
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('deadline_event_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_outbox_deadline_event_id'), ['deadline_event_id'], unique=False)
        batch.create_foreign_key('fk_outbox_deadline_event_id', 'deadline_events', ['deadline_event_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_constraint('fk_outbox_deadline_event_id', type_='foreignkey')
        batch.drop_index(batch.f('ix_outbox_deadline_event_id'))
        batch.drop_column('deadline_event_id')
    op.drop_index(op.f('ix_reviews_change_id'), table_name='reviews')
    op.drop_table('reviews')
    op.drop_index(op.f('ix_deadline_events_deadline_id'), table_name='deadline_events')
    op.drop_table('deadline_events')
    op.drop_index(op.f('ix_unread_dates_document_id'), table_name='unread_dates')
    op.drop_table('unread_dates')
    op.drop_index('ix_deadlines_date', table_name='deadlines')
    op.drop_table('deadlines')
