"""boilerplate learned per host section: chrome blocks, rotating boxes, volatile blocks (issue 15)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('boilerplate_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('section', sa.String(length=255), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.Text(), nullable=False),
    sa.Column('seen', sa.Integer(), nullable=False),
    sa.Column('sample', sa.Text(), nullable=False),
    sa.Column('learned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_boilerplate_scope', 'boilerplate_rules', ['source_id', 'host', 'section'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_boilerplate_scope', table_name='boilerplate_rules')
    op.drop_table('boilerplate_rules')
