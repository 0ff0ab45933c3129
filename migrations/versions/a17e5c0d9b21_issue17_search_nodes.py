"""Search nodes: each web node's place in the index job log, and how far the log was pruned

The index_job table becomes a log every node follows (issue 17): rows stay until every live
node applied them (or for the retention period), so nodes need not share an index directory.

Revision ID: a17e5c0d9b21
Revises: b7e3c9a1d2f4
Create Date: 2026-12-04 16:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a17e5c0d9b21'
down_revision = 'b7e3c9a1d2f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_node',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('applied_id', sa.BigInteger(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_search_node'))
    )
    op.create_table('search_log_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_log_state'))
    )
    op.execute("INSERT INTO search_log_state (id, pruned_through) VALUES (1, 0)")


def downgrade():
    op.drop_table('search_log_state')
    op.drop_table('search_node')
