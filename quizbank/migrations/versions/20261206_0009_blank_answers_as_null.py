"""blank answers of open attempts stored as NULL

From this revision a save stores a blank answer (nothing chosen, nothing typed) as NULL, so the question
map reads "answered" as `answer IS NOT NULL`. Attempts still in progress may hold blank answers saved
before: they become NULL here. Graded attempts keep theirs: grading and review read a blank answer and
NULL alike, and no map of a graded attempt is shown.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 17:40:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_ITEMS = sa.table('attempt_items', sa.column('id', sa.Integer), sa.column('attempt_id', sa.Integer),
                  sa.column('answer', sa.JSON))
_ATTEMPTS = sa.table('attempts', sa.column('id', sa.Integer), sa.column('status', sa.String))


def _is_blank(answer: object) -> bool:
    """As the domain's Response.is_blank, on the stored JSON (kept here: a migration must not change later)."""
    if isinstance(answer, str):
        answer = json.loads(answer)
    if not isinstance(answer, dict):
        return answer is None
    return not answer.get('selected') and not answer.get('matches') and not str(answer.get('text') or '').strip()


def upgrade():
    connection = op.get_bind()
    open_items = (sa.select(_ITEMS.c.id, _ITEMS.c.answer)
                  .join(_ATTEMPTS, _ATTEMPTS.c.id == _ITEMS.c.attempt_id)
                  .where(_ATTEMPTS.c.status == 'in_progress', _ITEMS.c.answer.is_not(None)))
    blank = [row.id for row in connection.execute(open_items) if _is_blank(row.answer)]
    for start in range(0, len(blank), 500):
        connection.execute(sa.update(_ITEMS).where(_ITEMS.c.id.in_(blank[start:start + 500]))
                           .values(answer=sa.null()))


def downgrade():
    pass  # NULL and a blank answer mean the same to every reader; nothing to restore
