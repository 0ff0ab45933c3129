"""Issue 11: the risk model's score and version on each post; moderator decisions as labels

Revision ID: b7e3c9a1d2f4
Revises: a16e0b7c3d21
Create Date: 2026-12-04 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c9a1d2f4'
down_revision = 'a16e0b7c3d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screened_risk', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('screened_model', sa.String(length=40), nullable=True))

    op.create_table('moderation_label',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('label', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('drug', sa.String(length=64), nullable=True),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=True),
    sa.Column('risk', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_moderation_label_post_id_post'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_label'))
    )
    with op.batch_alter_table('moderation_label', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_label_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_label_post_id'), ['post_id'], unique=False)


def downgrade():
    with op.batch_alter_table('moderation_label', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_label_post_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_label_created_at'))
    op.drop_table('moderation_label')

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('screened_model')
        batch_op.drop_column('screened_risk')
