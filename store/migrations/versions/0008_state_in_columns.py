"""state in columns: documents.listed, .baseline, .etag, .last_modified and an indexed changes.significance,
moved out of documents.meta and copied out of changes.details (issue 16)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 1000

documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('meta', sa.JSON),
                     sa.column('listed', sa.Boolean), sa.column('baseline', sa.Boolean),
                     sa.column('etag', sa.Text), sa.column('last_modified', sa.Text))
changes = sa.table('changes', sa.column('id', sa.Integer), sa.column('details', sa.JSON),
                   sa.column('significance', sa.String))

MOVED = ('listed', 'baseline', 'validators')  # the documents.meta keys that become columns


def upgrade() -> None:
    # plain ALTER TABLE, also on SQLite: a batch copy of `documents` would trip the foreign keys pointing at it
    op.add_column('documents', sa.Column('listed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('documents', sa.Column('baseline', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('documents', sa.Column('etag', sa.Text(), nullable=True))
    op.add_column('documents', sa.Column('last_modified', sa.Text(), nullable=True))
    op.add_column('changes', sa.Column('significance', sa.String(length=20), nullable=True))
    op.create_index('ix_changes_significance', 'changes', ['significance'], unique=False)
    conn = op.get_bind()
    rows = []
    for doc_id, meta in conn.execute(sa.select(documents.c.id, documents.c.meta)):
        meta = meta or {}
        if not any(key in meta for key in MOVED):
            continue
        validators = meta.get('validators') or {}
        rows.append({'doc_id': doc_id, 'listed': bool(meta.get('listed')), 'baseline': bool(meta.get('baseline')),
                     'etag': validators.get('If-None-Match'), 'last_modified': validators.get('If-Modified-Since'),
                     'meta': {k: v for k, v in meta.items() if k not in MOVED}})
    _update(conn, documents, rows, 'doc_id')
    rows = [{'change_id': change_id, 'significance': details['significance']}
            for change_id, details in conn.execute(sa.select(changes.c.id, changes.c.details))
            if isinstance(details, dict) and isinstance(details.get('significance'), str)]
    _update(conn, changes, rows, 'change_id')


def downgrade() -> None:
    conn = op.get_bind()
    rows = []
    query = sa.select(documents.c.id, documents.c.meta, documents.c.listed, documents.c.baseline,
                      documents.c.etag, documents.c.last_modified)
    for doc_id, meta, listed, baseline, etag, last_modified in conn.execute(query):
        moved = {'listed': True} if listed else {}
        moved['baseline'] = bool(baseline)
        validators = {k: v for k, v in (('If-None-Match', etag), ('If-Modified-Since', last_modified)) if v}
        if validators:
            moved['validators'] = validators
        rows.append({'doc_id': doc_id, 'meta': {**(meta or {}), **moved}})
    _update(conn, documents, rows, 'doc_id')
    op.drop_index('ix_changes_significance', table_name='changes')
    _drop_column('changes', 'significance')
    for name in ('last_modified', 'etag', 'baseline', 'listed'):
        _drop_column('documents', name)


def _drop_column(table: str, name: str) -> None:
    """ALTER TABLE … DROP COLUMN, natively on SQLite too (3.35+), so no table is copied."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} DROP COLUMN {name}')
    else:
        op.drop_column(table, name)


def _update(conn, table, rows, key) -> None:
    """Write `rows` (dicts of column values, keyed by `key` for the id) in batches."""
    if not rows:
        return
    columns = {name: sa.bindparam(name) for name in rows[0] if name != key}
    statement = table.update().where(table.c.id == sa.bindparam(key)).values(**columns)
    for start in range(0, len(rows), BATCH):
        conn.execute(statement, rows[start:start + BATCH])
