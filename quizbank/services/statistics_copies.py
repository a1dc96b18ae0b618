"""The copies item statistics read, written for graded attempts after grading, in batches.

Item statistics read each response with its attempt's total and submission time copied beside it: on the
item (which puts it into the statistics index) and on a row per chosen option. Those are some fifty entries
per attempt, scattered over two large indexes (they are ordered by question), and writing them was more
than half of what a submit cost: in the load benchmark on SQLite, grading without them served 480 submits a
second instead of 266. A cohort submits in the same few minutes, and nobody reads item statistics then.

So grading only marks the attempt (`attempts.statistics_pending`, set by its claim), and the copies are
written here: by `module_statistics` for its module before it reads (statistics are never short of an
attempt), by `flask quizbank write-statistics-copies` (from cron, after a sitting), and after the demo's
history. The work is the same as before; it is done once, in batches, away from the exam.

The answers of a graded attempt no longer change, so copies written later are the ones grading would have
written. Each batch claims its attempts (compare-and-set on the mark) in the transaction that writes their
copies: two catch-ups at once never write an attempt's copies twice, and a failure leaves the whole batch
pending, as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, update

from quizbank.domain import presentation
from quizbank.domain.types import CHOICE_TYPES
from quizbank.extensions import db
from quizbank.models import Attempt, AttemptItem, ItemChoice
from quizbank.row_inserts import insert_rows

from .pinned_drafts import ITEMS_WITH_VERSIONS, KEY_COLUMNS, draft_key, drafts_by_key
from .unit_of_work import write_transaction

BATCH_ATTEMPTS = 100  # attempts per transaction: a few thousand rows, a short hold of SQLite's write lock


def write_pending(module_id: int | None = None, *, batch_size: int = BATCH_ATTEMPTS) -> int:
    """Writes the copies of every graded attempt still waiting for them (of one module, or of all), module by
    module and oldest first, `batch_size` attempts per transaction; returns how many attempts it wrote."""
    query = _PENDING if module_id is None else _PENDING_OF_MODULE
    params = {"batch": batch_size, "module_id": module_id}  # the statement of all modules ignores module_id
    written = 0
    while True:
        batch = list(db.session.scalars(query, params))
        if not batch:
            return written
        with write_transaction():
            written += _write_batch(batch)


def pending_count() -> int:
    """How many graded attempts wait for their statistics copies."""
    return int(db.session.scalar(select(func.count()).select_from(_ATTEMPTS).where(_WAITING)) or 0)


def _write_batch(attempt_ids: Sequence[int]) -> int:
    """Inside a write transaction: claims the attempts still pending among `attempt_ids` and writes their copies."""
    claimed = {row.id: row for row in db.session.execute(_CLAIM, {"ids": list(attempt_ids)})}
    if not claimed:
        return 0  # another catch-up wrote them in the meantime
    ids = sorted(claimed)
    db.session.execute(_COPY_ONTO_ITEMS, {"ids": ids})
    rows = db.session.execute(_CHOICE_ITEMS, {"ids": ids}).all()
    drafts = drafts_by_key({r.question_version_id: draft_key(r) for r in rows})
    choices = [{"attempt_item_id": r.id, "option_id": option_id, "question_version_id": r.question_version_id,
                "attempt_number": claimed[r.attempt_id].number, "attempt_points": claimed[r.attempt_id].points,
                "attempt_submitted_at": claimed[r.attempt_id].submitted_at}
               for r in rows if drafts[r.question_version_id].qtype in CHOICE_TYPES
               for option_id in _chosen(r.answer)]
    insert_rows(db.session, _CHOICES, choices)
    return len(claimed)


def _chosen(answer: Any) -> list[str]:
    """The options a stored answer chose, each once (a blank answer chose none)."""
    return list(dict.fromkeys(presentation.response_from_json(answer).selected))


_ATTEMPTS, _ITEMS, _CHOICES = Attempt.__table__, AttemptItem.__table__, ItemChoice.__table__
_WAITING = _ATTEMPTS.c.statistics_pending.is_(True)  # the partial index's own condition
_BATCH = bindparam("batch", type_=Integer)
# In the partial index's order (module, attempt): a read of that short index alone.
_PENDING = select(_ATTEMPTS.c.id).where(_WAITING).order_by(_ATTEMPTS.c.module_id, _ATTEMPTS.c.id).limit(_BATCH)
_PENDING_OF_MODULE = (select(_ATTEMPTS.c.id).where(_WAITING, _ATTEMPTS.c.module_id == bindparam("module_id"))
                      .order_by(_ATTEMPTS.c.id).limit(_BATCH))
_IDS = bindparam("ids", expanding=True)
_CLAIM = (update(_ATTEMPTS).where(_ATTEMPTS.c.id.in_(_IDS), _WAITING).values(statistics_pending=False)
          .returning(_ATTEMPTS.c.id, _ATTEMPTS.c.number, _ATTEMPTS.c.points, _ATTEMPTS.c.submitted_at))
# Each item takes its attempt's total and submission time, which puts it into the statistics index.
_OF_ITEMS_ATTEMPT = _ATTEMPTS.c.id == _ITEMS.c.attempt_id
_COPY_ONTO_ITEMS = (update(_ITEMS).where(_ITEMS.c.attempt_id.in_(_IDS))
                    .values(attempt_points=select(_ATTEMPTS.c.points).where(_OF_ITEMS_ATTEMPT).scalar_subquery(),
                            attempt_submitted_at=select(_ATTEMPTS.c.submitted_at).where(_OF_ITEMS_ATTEMPT)
                            .scalar_subquery()))
_CHOICE_ITEMS = (select(_ITEMS.c.id, _ITEMS.c.attempt_id, _ITEMS.c.answer, *KEY_COLUMNS)
                 .select_from(ITEMS_WITH_VERSIONS).where(_ITEMS.c.attempt_id.in_(_IDS), _ITEMS.c.answer.is_not(None))
                 .order_by(_ITEMS.c.id))
