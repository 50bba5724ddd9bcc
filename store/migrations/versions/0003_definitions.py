"""definitions found in stored versions (terms across jurisdictions)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 16:00:00

Derived tables only: existing versions are scanned by the backfill (`store.terms.backfill`) on first use.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('term_key', sa.String(length=200), nullable=False),
    sa.Column('alt_keys', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('section', sa.Text(), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=False),
    sa.Column('at', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_definitions_version_id', 'definitions', ['version_id'], unique=False)
    op.create_index('ix_definitions_document_id', 'definitions', ['document_id'], unique=False)
    op.create_index('ix_definitions_term_key', 'definitions', ['term_key'], unique=False)
    op.create_table('definition_scans',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.Integer(), nullable=False),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('version_id')
    )


def downgrade() -> None:
    op.drop_table('definition_scans')
    op.drop_index('ix_definitions_term_key', table_name='definitions')
    op.drop_index('ix_definitions_document_id', table_name='definitions')
    op.drop_index('ix_definitions_version_id', table_name='definitions')
    op.drop_table('definitions')
