"""The lookups the hot paths make use indexes: the query plan shows no full scan of them.

SQLite: EXPLAIN QUERY PLAN. PostgreSQL: with sequential scans discouraged (empty test tables would
otherwise be scanned whatever the indexes), a lookup still planned as a Seq Scan has no usable index.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from quizbank.models import Attempt, AttemptItem, AttemptStatus, Certificate, ItemChoice, LoginSession
from quizbank.services import attempts, certification, published_pools, statistics_copies


def plan(db, statement) -> str:  # type: ignore[no-untyped-def]
    return _explain(db, str(statement.compile(db.engine, compile_kwargs={"literal_binds": True})), None)


def _explain(db, sql: str, parameters: object) -> str:  # type: ignore[no-untyped-def]
    """The plan of `sql`, which is never run (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN with
    sequential scans discouraged)."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {sql}", parameters).all()
        else:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters).all()
        connection.rollback()
    return " | ".join(str(row[-1]) for row in rows)


HOT_LOOKUPS = {
    "attempt by trainee and module": select(Attempt).where(Attempt.user_id == 1, Attempt.module_id == 2),
    "active attempt of a trainee": select(Attempt).where(Attempt.user_id == 1, Attempt.module_id == 2,
                                                         Attempt.status == AttemptStatus.IN_PROGRESS),
    "attempts of a trainee": select(Attempt).where(Attempt.user_id == 1),
    "responses of an attempt": select(AttemptItem).where(AttemptItem.attempt_id == 7),
    "one response of an attempt": select(AttemptItem).where(AttemptItem.attempt_id == 7, AttemptItem.position == 3),
    # The statistics index holds graded items only; no path reads a version's ungraded responses.
    "graded responses to a question version": select(AttemptItem).where(AttemptItem.question_version_id == 5,
                                                                        AttemptItem.attempt_points.is_not(None)),
    "graded attempts of a module": select(Attempt).where(Attempt.module_id == 2,
                                                         Attempt.status == AttemptStatus.GRADED),
    "certificate by verification code": select(Certificate).where(Certificate.verification_code == "abc"),
    "current certificate of a trainee": select(Certificate).where(
        Certificate.user_id == 1, Certificate.track_id == 1, Certificate.is_current.is_(True)),
    "choices of a response": select(ItemChoice).where(ItemChoice.attempt_item_id == 9),
    "login session by token": select(LoginSession).where(LoginSession.id == "t"),
    # A start's reads: the module's terms with the trainee's history, the questions they have seen, and the
    # published pool (read when this process keeps no pool under the module's current token).
    "start: terms and the trainee's history": attempts._START_TERMS.params(
        code="SAF", user_id=1, cutoff=datetime(2026, 12, 6, tzinfo=UTC)),
    "start: questions the trainee has seen": attempts._SEEN.params(module_id=2, user_id=1),
    "start: published pool": published_pools._POOL.params(module_id=2),
    "submit: the attempt's head and answers": attempts._HEAD_AND_ANSWERS.params(attempt_id=7, user_id=1),
    # A pass reconciles certification reading the trainee's whole record in one statement (and the active
    # tracks' terms, a few rows of small tables, with it).
    "reconcile: the trainee's record": certification._RECORD.params(user_id=1),
    "statistics: a module's attempts waiting for their copies": statistics_copies._PENDING_OF_MODULE.params(
        module_id=2, batch=100),
    "statistics: attempts waiting for their copies": statistics_copies._PENDING.params(batch=100),
}


# The graded attempts still waiting for their statistics copies: a handful, where the table holds thousands.
PARTIAL_INDEXES_READ_WHOLE = ("ix_attempts_statistics_pending",)


@pytest.mark.parametrize("name", sorted(HOT_LOOKUPS))
def test_hot_lookups_use_an_index(db, name):
    text = plan(db, HOT_LOOKUPS[name])
    if db.engine.dialect.name == "postgresql":
        assert "Index" in text and "Seq Scan" not in text, text
    else:
        assert "USING" in text and "INDEX" in text, text
        # Reading the whole of a partial index is reading just the rows it was made for.
        for partial in PARTIAL_INDEXES_READ_WHOLE:
            text = text.replace(f"SCAN attempts USING INDEX {partial}", f"READ the whole partial index {partial}")
        assert "SCAN attempts" not in text and "SCAN attempt_items" not in text and "SCAN certificates" not in text


def test_the_plan_check_notices_an_unindexed_lookup(db):
    """The guard works: a lookup on a column with no index is reported as a scan."""
    text = plan(db, select(Attempt).where(Attempt.seed == 42))
    assert "Seq Scan" in text if db.engine.dialect.name == "postgresql" else "SCAN attempts" in text



def plan_of_write(db, statement, params: dict[str, object]) -> str:  # type: ignore[no-untyped-def]
    """As `plan`, for an UPDATE (which takes its values as parameters, not as literals), never run."""
    compiled = statement.compile(db.engine)
    values = compiled.construct_params(params)
    processors = compiled._bind_processors
    bound = {key: processors[key](value) if key in processors else value for key, value in values.items()}
    if compiled.positional:
        bound = tuple(bound[key] for key in compiled.positiontup)  # type: ignore[assignment]
    return _explain(db, compiled.string, bound)


_CLAIM = {"claimed_id": 7, "new_submitted_at": datetime(2026, 12, 7, tzinfo=UTC), "new_closed_by": "trainee",
          "new_points": 1.0, "new_score": 0.5, "new_passed": False, "new_result": None}


def test_the_submits_claim_and_scoring_use_indexes(db):
    """The grade's writes find the attempt and its items by index: on PostgreSQL one statement claims and
    scores, on SQLite the claim and the scoring are two."""
    if db.engine.dialect.name == "postgresql":
        writes = [(attempts._CLAIM_AND_SCORE, {**_CLAIM, "scores": [1.0, 0.0]})]
    else:
        writes = [(attempts._CLAIM_WITH_RESULT, _CLAIM),
                  (attempts._score_from_cases(2), {"of_attempt": 7, "position_0": 1, "score_0": 1.0,
                                                   "position_1": 2, "score_1": 0.0})]
    for statement, params in writes:
        text = plan_of_write(db, statement, params)
        if db.engine.dialect.name == "postgresql":
            assert "Index" in text and "Seq Scan" not in text, text
        else:
            assert "SCAN attempts" not in text and "SCAN attempt_items" not in text, text
