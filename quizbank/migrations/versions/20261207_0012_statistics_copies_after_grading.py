"""statistics copies written after grading: a graded attempt waits for them in a short index

Grading used to write an attempt's statistics copies itself: each item's total and submission time (which
puts the item into the statistics index) and a row per chosen option. On a large bank those are some
fifty entries scattered over two big indexes, more than half the work of a submit. They are now written
after grading (`services.statistics_copies`), in batches, before item statistics are read or from the
command line; `attempts.statistics_pending` marks the graded attempts still waiting, and a partial index
finds them by module. Attempts graded before this revision have their copies already: none is pending.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table rebuild on SQLite, so the triggers of revision 0011 on other tables,
    # and this table's rows, stay as they are).
    op.add_column('attempts', sa.Column('statistics_pending', sa.Boolean(), server_default=sa.false(),
                                        nullable=False))
    op.create_index('ix_attempts_statistics_pending', 'attempts', ['module_id', 'id'], unique=False,
                    sqlite_where=sa.text('statistics_pending IS 1'),
                    postgresql_where=sa.text('statistics_pending IS true'))


def downgrade():
    # The old schema has no way to say that copies are missing: refuse rather than lose them.
    bind = op.get_bind()
    pending = bind.execute(sa.text('SELECT COUNT(*) FROM attempts WHERE statistics_pending')).scalar()
    if pending:
        raise RuntimeError(f'{pending} graded attempt(s) still wait for their statistics copies: run '
                           '`flask quizbank write-statistics-copies` before downgrading.')
    op.drop_index('ix_attempts_statistics_pending', table_name='attempts')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('statistics_pending')
