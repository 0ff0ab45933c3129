"""Notifications, follows, mail preferences, digest runs and appeals (issue 14)

Revision ID: c4f1a8e2d7b3
Revises: c5d1a7e94b30
Create Date: 2026-12-04 20:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4f1a8e2d7b3'
down_revision = 'c5d1a7e94b30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.DateTime(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                            name=op.f('fk_digest_run_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_run')),
    sa.UniqueConstraint('member_id', 'period', 'period_start',
                        name='once_per_period')
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=400), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['digest_run.id'],
                            name=op.f('fk_notification_digest_id_digest_run'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                            name=op.f('fk_notification_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'],
                            name=op.f('fk_notification_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_member_created',
                              ['member_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_notification_member_read', ['member_id', 'read_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_notification_post_id'), ['post_id'], unique=False)
    op.create_table('follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('tag', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                            name=op.f('fk_follow_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['post.id'],
                            name=op.f('fk_follow_thread_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow')),
    sa.UniqueConstraint('member_id', 'tag', name='one_per_tag'),
    sa.UniqueConstraint('member_id', 'thread_id', name='one_per_thread')
    )
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_tag'), ['tag'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_thread_id'), ['thread_id'], unique=False)
    op.create_table('notification_preference',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                            name=op.f('fk_notification_preference_member_id_member'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'kind', name=op.f('pk_notification_preference'))
    )
    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('original_outcome', sa.String(length=16), nullable=False),
    sa.Column('original_by_id', sa.Integer(), nullable=True),
    sa.Column('original_reason', sa.Text(), nullable=False),
    sa.Column('review_item_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'],
                            name=op.f('fk_appeal_author_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['original_by_id'], ['member.id'],
                            name=op.f('fk_appeal_original_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'],
                            name=op.f('fk_appeal_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_item_id'], ['review_item.id'],
                            name=op.f('fk_appeal_review_item_id_review_item'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal')),
    sa.UniqueConstraint('post_id', name=op.f('uq_appeal_post_id'))
    )


def downgrade():
    op.drop_table('appeal')
    op.drop_table('notification_preference')
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_thread_id'))
        batch_op.drop_index(batch_op.f('ix_follow_tag'))
    op.drop_table('follow')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_post_id'))
        batch_op.drop_index('ix_notification_member_read')
        batch_op.drop_index('ix_notification_member_created')
    op.drop_table('notification')
    op.drop_table('digest_run')
