"""leases (one active scheduler) and the history search index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('search_documents',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.Integer(), nullable=False),
    sa.Column('last_change_id', sa.Integer(), nullable=False),
    sa.Column('last_version_id', sa.Integer(), nullable=False),
    sa.Column('haystack', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('document_id')
    )
    op.create_table('search_topics',
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('topic', 'document_id')
    )
    op.create_table('search_grams',
    sa.Column('gram', sa.String(length=8), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('gram', 'document_id')
    )


def downgrade() -> None:
    op.drop_table('search_grams')
    op.drop_table('search_topics')
    op.drop_table('search_documents')
    op.drop_table('leases')
