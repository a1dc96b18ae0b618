"""Pages cost the same number of queries with 10 rows as with 1,000: no N+1, pagination in the database."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from quizbank.domain.drafts import body_of, content_hash
from quizbank.extensions import db as database
from quizbank.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Competency,
    Module,
    Question,
    QuestionVersion,
    Role,
    User,
    VersionStatus,
)
from quizbank.services import attempts as attempt_service
from quizbank.services.question_versions import draft_of
from tests.conftest import FAST_HASHER

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            statements.append(statement)

    engine = database.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries(fetch: Callable[[], object]) -> int:
    with counting() as statements:
        response = fetch()
        assert getattr(response, "status_code", 200) == 200
    return len(statements)


def add_users(n: int, role: Role = Role.TRAINEE) -> list[int]:
    start = database.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0
    rows = [{"email": f"bulk{start + i}-{role.value}@example.org", "name": f"Bulk {role.value} {start + i:05d}",
             "role": role, "password_hash": FAST_HASHER.hash("x") if i == 0 else "x", "active": True,
             "created_at": T0} for i in range(n)]
    database.session.execute(insert(User), rows)
    database.session.commit()
    return list(database.session.scalars(select(User.id).where(User.email.like("bulk%")).order_by(User.id)))


def add_questions(n: int, first: int = 5000, status: VersionStatus = VersionStatus.PUBLISHED) -> None:
    template = database.session.scalar(select(QuestionVersion).where(QuestionVersion.qtype == "single"))
    draft = draft_of(template)
    competency = database.session.scalar(select(Competency).where(Competency.code == "TST-01"))
    module_id = competency.module_id
    questions = [{"external_id": f"TST-{first + i}", "module_id": module_id, "created_at": T0} for i in range(n)]
    database.session.execute(insert(Question), questions)
    ids = database.session.scalars(select(Question.id).where(
        Question.external_id.in_([q["external_id"] for q in questions]))).all()
    database.session.execute(insert(QuestionVersion), [
        {"question_id": qid, "number": 1, "status": status, "qtype": draft.qtype,
         "stem": f"Bulk stem {qid}", "body": body_of(draft), "explanation": "x", "references": ["r"],
         "competency_id": competency.id, "difficulty": draft.difficulty, "critical": False, "scenario": False,
         "origin": "file", "content_hash": content_hash(draft), "created_at": T0} for qid in ids])
    database.session.commit()


def add_graded_attempts(user_id: int, n: int, first_number: int = 100) -> None:
    module_id = database.session.scalar(select(Module.id).where(Module.code == "TST"))
    database.session.execute(insert(Attempt), [
        {"user_id": user_id, "module_id": module_id, "number": first_number + i, "seed": i,
         "status": AttemptStatus.GRADED,
         "started_at": T0, "deadline_at": T0 + timedelta(minutes=20), "submitted_at": T0 + timedelta(minutes=5),
         "points": 3.0, "score": 0.5, "passed": False, "result": {"competencies": [], "failed_rules": []}}
        for i in range(n)])
    database.session.commit()


def grow_attempt(attempt_id: int, extra: int) -> None:
    """Adds `extra` items (copies of the first) to an attempt, as a very long exam would have."""
    first = database.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
    last = database.session.scalar(select(AttemptItem.position).where(AttemptItem.attempt_id == attempt_id)
                                   .order_by(AttemptItem.position.desc()).limit(1))
    database.session.execute(insert(AttemptItem), [
        {"attempt_id": attempt_id, "position": last + 1 + i, "question_version_id": first.question_version_id,
         "display_order": first.display_order, "answer": {"selected": first.display_order[:1]},
         "flagged": False, "seconds_spent": 0, "attempt_number": first.attempt_number} for i in range(extra)])
    database.session.commit()


def test_trainee_dashboard_costs_the_same_with_many_attempts(client, login_as, small_bank):
    trainee = login_as("trainee")
    add_graded_attempts(trainee.id, 10)
    few = queries(lambda: client.get("/trainee/"))
    add_graded_attempts(trainee.id, 990, first_number=1000)
    assert queries(lambda: client.get("/trainee/")) == few


def _started(client, trainee) -> int:  # type: ignore[no-untyped-def]
    return attempt_service.start_attempt(trainee.id, "TST", now=datetime.now(UTC), grace_seconds=30).id


def test_question_page_costs_the_same_for_a_very_long_attempt(client, login_as, small_bank):
    attempt_id = _started(client, login_as("trainee"))
    url = f"/trainee/attempts/{attempt_id}/q/1"
    grow_attempt(attempt_id, 4)
    few = queries(lambda: client.get(url))
    grow_attempt(attempt_id, 1000)
    assert queries(lambda: client.get(url)) == few


def test_review_page_costs_the_same_for_a_very_long_attempt(client, login_as, small_bank):
    attempt_id = _started(client, login_as("trainee"))
    client.post(f"/trainee/attempts/{attempt_id}/submit")
    url = f"/trainee/attempts/{attempt_id}/result"
    grow_attempt(attempt_id, 4)
    few = queries(lambda: client.get(url))
    grow_attempt(attempt_id, 1000)
    assert queries(lambda: client.get(url)) == few


def test_the_counter_catches_a_query_per_row(client, login_as, small_bank, monkeypatch):
    """The guard works: reading each item's version separately makes the review page grow with the attempt."""
    from sqlalchemy import select

    from quizbank.extensions import db
    from quizbank.models import QuestionVersion
    from quizbank.services import progress

    real = progress.draft_key

    def key_read_per_item(row):  # type: ignore[no-untyped-def]
        db.session.execute(select(QuestionVersion.content_hash).where(QuestionVersion.id == row.question_version_id))
        return real(row)

    monkeypatch.setattr(progress, "draft_key", key_read_per_item)
    attempt_id = _started(client, login_as("trainee"))
    client.post(f"/trainee/attempts/{attempt_id}/submit")
    url = f"/trainee/attempts/{attempt_id}/result"
    few = queries(lambda: client.get(url))
    grow_attempt(attempt_id, 20)
    assert queries(lambda: client.get(url)) > few


def test_bank_list_pages_in_the_database(client, login_as, small_bank):
    login_as("instructor")
    add_questions(10)
    few = queries(lambda: client.get("/instructor/questions"))
    add_questions(990, first=7000, status=VersionStatus.DRAFT)
    many = client.get("/instructor/questions")
    assert queries(lambda: client.get("/instructor/questions")) == few
    assert "Page 1 of 41" in many.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/users", "/admin/certification", "/instructor/trainees"])
def test_admin_lists_cost_the_same_with_a_thousand_people(client, login_as, small_bank, url):
    from quizbank.services import tracks

    tracks.save_track(tracks.TrackSpec(code="Q", name="Q track", description="", validity_months=12,
                                       module_codes=("TST",), skills=(("PRAC-01", "x"),)), actor_id=None)
    login_as("admin")
    add_users(10)
    few = queries(lambda: client.get(url))
    add_users(990)
    page = client.get(url).get_data(as_text=True)
    assert queries(lambda: client.get(url)) == few
    assert re.search(r"Page 1 of \d\d", page)
