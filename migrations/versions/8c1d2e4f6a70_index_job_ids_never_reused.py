"""Index job ids are never reused on SQLite (AUTOINCREMENT)

A worker deletes the jobs it has done by id. SQLite hands out the id of a deleted last row
again, so a job queued after another worker emptied the table could get the id of a job still
being worked on, and be deleted with it: its post was never indexed. PostgreSQL's sequences
never reuse ids, so only SQLite's table changes.

Revision ID: 8c1d2e4f6a70
Revises: 2750e1c87372
Create Date: 2026-11-23 18:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '8c1d2e4f6a70'
down_revision = '2750e1c87372'
branch_labels = None
depends_on = None


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("index_job", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
