"""the ledger names its document: the request plan reads a document's last check from its latest fetch (issue 18)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fetches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_fetches_document_id', 'documents', ['document_id'], ['id'])
        batch_op.create_index('ix_fetches_document', ['document_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fetches', schema=None) as batch_op:
        batch_op.drop_index('ix_fetches_document')
        batch_op.drop_constraint('fk_fetches_document_id', type_='foreignkey')
        batch_op.drop_column('document_id')
