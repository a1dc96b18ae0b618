"""The published pool a start draws from is kept per process under the module's pool token, which the
database replaces on every write that can change the pool."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from quizbank.extensions import db as database
from quizbank.models import Competency, Module, Question, QuestionVersion, Role, VersionStatus
from quizbank.services import attempts, authoring, published_pools
from quizbank.services.question_versions import draft_of
from tests.test_query_counts import counting

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _token(code: str = "TST") -> str:
    database.session.expire_all()
    return database.session.scalar(select(Module.pool_token).where(Module.code == code))


def _question(external_id: str) -> Question:
    return database.session.scalar(select(Question).where(Question.external_id == external_id))


def _other_module() -> Module:
    module = Module(code="OTH", title="Another module")
    database.session.add(module)
    database.session.flush()
    database.session.add(Competency(module_id=module.id, code="OTH-01", title="Other", blueprint_count=1))
    database.session.flush()
    return module


def _retire(make_user) -> None:  # type: ignore[no-untyped-def]
    authoring.retire(actor_id=make_user(role=Role.INSTRUCTOR).id, question_id=_question("TST-0002").id)


def _publish_a_new_version(make_user) -> None:  # type: ignore[no-untyped-def]
    author, reviewer = make_user(role=Role.INSTRUCTOR), make_user(role=Role.INSTRUCTOR)
    question = _question("TST-0003")
    edited = replace(draft_of(question.versions[-1]), stem="An edited stem about the lung apex?")
    version = authoring.save_draft(author_id=author.id, question_id=question.id, draft=edited)
    authoring.submit_for_review(actor_id=author.id, version_id=version.id)
    authoring.publish(actor_id=reviewer.id, version_id=version.id)


def _status_changed_by_a_script(_make_user) -> None:  # type: ignore[no-untyped-def]
    versions = QuestionVersion.__table__
    database.session.execute(update(versions).where(versions.c.question_id == _question("TST-0004").id)
                             .values(status=VersionStatus.RETIRED))


def _competency_renamed(_make_user) -> None:  # type: ignore[no-untyped-def]
    database.session.execute(update(Competency.__table__).where(Competency.__table__.c.code == "TST-02")
                             .values(code="TST-09"))


def _question_moved(_make_user) -> None:  # type: ignore[no-untyped-def]
    other = _other_module()
    database.session.execute(update(Question.__table__).where(Question.__table__.c.external_id == "TST-0005")
                             .values(module_id=other.id))


def _question_deleted(_make_user) -> None:  # type: ignore[no-untyped-def]
    question_id = _question("TST-0006").id
    database.session.execute(delete(QuestionVersion.__table__)
                             .where(QuestionVersion.__table__.c.question_id == question_id))
    database.session.execute(delete(Question.__table__).where(Question.__table__.c.id == question_id))


@pytest.mark.parametrize("change", [_retire, _publish_a_new_version, _status_changed_by_a_script,
                                    _competency_renamed, _question_moved, _question_deleted])
def test_every_write_that_can_change_a_pool_replaces_the_module_token(db, make_user, small_bank, change):
    before = _token()
    assert len(before) == 32
    change(make_user)
    database.session.flush()
    after = _token()
    assert after != before and len(after) == 32


def test_exam_writes_and_other_modules_leave_the_token_alone(db, make_user, small_bank):
    before = _token()
    trainee = make_user()
    attempt = attempts.start_attempt(trainee.id, "TST", now=T0, grace_seconds=30, seed=3)
    attempts.save_answer(trainee.id, attempt.id, 1, {"choice": ["0"]}, flagged=False, now=T0, grace_seconds=30)
    attempts.submit(trainee.id, attempt.id, now=T0, grace_seconds=30)
    _other_module()
    other_before = _token("OTH")
    database.session.execute(update(Module.__table__).where(Module.__table__.c.code == "TST").values(title="Renamed"))
    assert _token() == before
    _retire(make_user)
    assert _token("OTH") == other_before


def test_a_kept_pool_is_read_once_per_token(db, make_user, small_bank):
    pool_sql = str(published_pools._POOL.compile(database.engine))
    attempts.start_attempt(make_user().id, "TST", now=T0, grace_seconds=30, seed=1)
    with counting() as statements:
        attempts.start_attempt(make_user().id, "TST", now=T0, grace_seconds=30, seed=2)
    assert pool_sql not in statements
    _retire(make_user)
    with counting() as statements:
        attempts.start_attempt(make_user().id, "TST", now=T0, grace_seconds=30, seed=3)
    assert pool_sql in statements


def test_a_start_never_draws_a_question_retired_after_the_pool_was_kept(db, make_user, small_bank):
    attempts.start_attempt(make_user().id, "TST", now=T0, grace_seconds=30, seed=1)  # keeps the pool
    retired = {"TST-0002", "TST-0003"}  # TST-01 keeps exactly the 3 its blueprint needs
    instructor = make_user(role=Role.INSTRUCTOR)
    for external_id in sorted(retired):
        authoring.retire(actor_id=instructor.id, question_id=_question(external_id).id)
    for seed in range(8):
        attempt = attempts.start_attempt(make_user().id, "TST", now=T0, grace_seconds=30, seed=seed)
        drawn = {item.version.question.external_id for item in attempt.items}
        assert not drawn & retired
        assert {"TST-0001", "TST-0004", "TST-0005"} <= drawn
        assert all(item.version.status is VersionStatus.PUBLISHED for item in attempt.items)


def test_a_module_row_without_a_token_is_never_kept(db, make_user, small_bank):
    module_id = database.session.scalar(select(Module.id).where(Module.code == "TST"))
    pool_sql = str(published_pools._POOL.compile(database.engine))
    with counting() as statements:
        published_pools.pool_of(module_id, "")
        published_pools.pool_of(module_id, "")
    assert statements.count(pool_sql) == 2
