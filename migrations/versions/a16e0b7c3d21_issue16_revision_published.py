"""Post revisions record whether everyone could read them (issue 16)

The history page showed every earlier version to every visitor, including text the screening
held and an author or moderator then edited out. Each revision now says whether it was
published when it was replaced. Existing rows: published unless the post ever went through the
review queue, since then nobody can tell which of its versions were held.

Revision ID: a16e0b7c3d21
Revises: 801a8502cb6e
Create Date: 2026-12-04 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a16e0b7c3d21'
down_revision = '801a8502cb6e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.execute(
        "UPDATE post_revision SET published = TRUE WHERE NOT EXISTS "
        "(SELECT 1 FROM review_item WHERE review_item.post_id = post_revision.post_id)")


def downgrade():
    with op.batch_alter_table('post_revision', schema=None) as batch_op:
        batch_op.drop_column('published')
