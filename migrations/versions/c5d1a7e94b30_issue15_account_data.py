"""Members' own data (issue 15): consent at sign-up, email changes, held usernames

member.consented_at is NULL for every existing account: they joined before the question was
asked, and no consent is made up for them.

Revision ID: c5d1a7e94b30
Revises: a17e5c0d9b21
Create Date: 2026-12-04 19:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5d1a7e94b30'
down_revision = 'a17e5c0d9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consented_at', sa.DateTime(), nullable=True))

    op.create_table('email_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_email_change_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_change')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_change_token_hash'))
    )
    with op.batch_alter_table('email_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_change_member_id'), ['member_id'], unique=False)

    op.create_table('held_username',
    sa.Column('name_hash', sa.String(length=64), nullable=False),
    sa.Column('held_until', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name_hash', name=op.f('pk_held_username'))
    )
    with op.batch_alter_table('held_username', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_username_held_until'), ['held_until'], unique=False)


def downgrade():
    with op.batch_alter_table('held_username', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_username_held_until'))
    op.drop_table('held_username')

    with op.batch_alter_table('email_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_change_member_id'))
    op.drop_table('email_change')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('consented_at')
