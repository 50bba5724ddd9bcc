"""source_runs.notes: what a run noticed about a source without it failing (a pager that could not be read,
a page whose layout changed)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('source_runs') as batch:
        batch.add_column(sa.Column('notes', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('source_runs') as batch:
        batch.drop_column('notes')
