"""the items' statistics index holds graded items only

Statistics read graded items alone (`attempt_points IS NOT NULL`). Indexing only those means starting an
attempt writes no entry into this index (25 random pages of it, on SQLite, per start) and grading inserts
each item's entry once instead of moving it from the ungraded ones.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_COLUMNS = ['question_version_id', 'attempt_points', 'attempt_number', 'attempt_submitted_at', 'score',
            'seconds_spent']
_GRADED = sa.text('attempt_points IS NOT NULL')


def upgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_items_statistics')
        batch_op.create_index('ix_attempt_items_statistics', _COLUMNS, unique=False,
                              sqlite_where=_GRADED, postgresql_where=_GRADED)


def downgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_items_statistics')
        batch_op.create_index('ix_attempt_items_statistics', _COLUMNS, unique=False)
