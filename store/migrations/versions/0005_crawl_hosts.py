"""crawl_hosts: each host's Crawl-delay and last cycle's requests (for `regwatch sources` estimates)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crawl_hosts',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('crawl_delay', sa.Float(), nullable=True),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('politeness_seconds', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('host')
    )


def downgrade() -> None:
    op.drop_table('crawl_hosts')
