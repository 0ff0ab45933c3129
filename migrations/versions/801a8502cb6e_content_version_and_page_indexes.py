"""Content version for cached figures; indexes for the home, tag and profile pages

Revision ID: 801a8502cb6e
Revises: 242e213f7e06
Create Date: 2026-11-23 18:27:20.792673

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '801a8502cb6e'
down_revision = '242e213f7e06'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )
    # The one row; forum/content_cache.py gives it a new number whenever posts change.
    op.execute("INSERT INTO content_version (id, version) VALUES (1, 0)")

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index('ix_post_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_post_author_status_created', ['author_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_post_unanswered', ['kind', 'status', 'answer_count', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_post_demo', ['is_demo'], unique=False, sqlite_where=sa.text('is_demo = 1'), postgresql_where=sa.text('is_demo'))
        # Each is the first column of an index above.
        batch_op.drop_index(batch_op.f('ix_post_status'))
        batch_op.drop_index(batch_op.f('ix_post_author_id'))
        batch_op.drop_index(batch_op.f('ix_post_is_demo'))

    with op.batch_alter_table('post_tag', schema=None) as batch_op:
        batch_op.create_index('ix_post_tag_slug_post', ['slug', 'post_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_post_tag_slug'))


def downgrade():
    with op.batch_alter_table('post_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_tag_slug'), ['slug'], unique=False)
        batch_op.drop_index('ix_post_tag_slug_post')

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_is_demo'), ['is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_status'), ['status'], unique=False)
        batch_op.drop_index('ix_post_demo')
        batch_op.drop_index('ix_post_unanswered')
        batch_op.drop_index('ix_post_author_status_created')
        batch_op.drop_index('ix_post_status_created')

    op.drop_table('content_version')
