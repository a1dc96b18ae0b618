"""The schema comes from migrations, and the migrations describe exactly the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_test_app


def test_upgrade_on_an_empty_database_gives_exactly_the_models(app, db):
    # The session fixture built the schema with `flask db upgrade` alone; autogenerate finds no diff.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(app, db):
    if db.engine.dialect.name != "sqlite":
        return  # the pragmas only concern SQLite; PostgreSQL has its own durability
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def _migrated_app_with_trainees(scratch_databases, tmp_path, name: str, emails: list[str]):  # type: ignore[no-untyped-def]
    """An app on a database of its own, upgraded to the head, with the small bank and these trainees."""
    from flask_migrate import upgrade

    from quizbank.extensions import db
    from quizbank.models import Role, User
    from quizbank.services.bank_loading import load_banks
    from tests.conftest import FAST_HASHER, small_bank_yaml

    (tmp_path / "tst.yaml").write_text(small_bank_yaml())
    app = make_test_app(scratch_databases(name), tmp_path)
    with app.app_context():
        upgrade()
        load_banks([tmp_path / "tst.yaml"])
        trainees = [User(email=email, name=email.split("@")[0], role=Role.TRAINEE,
                         password_hash=FAST_HASHER.hash("x" * 12)) for email in emails]
        db.session.add_all(trainees)
        db.session.commit()
        ids = [trainee.id for trainee in trainees]
        db.session.remove()
    return app, ids


def test_upgrading_fills_the_statistics_copies_of_attempts_graded_before(scratch_databases, tmp_path):
    """Revision 0007 copies each attempt's number, total and time onto items and choices already stored."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from quizbank.extensions import db
    from quizbank.models import Attempt, AttemptItem, ItemChoice
    from quizbank.services import attempts, statistics_copies
    from tests.conftest import answer_through_service

    app, (trainee_id,) = _migrated_app_with_trainees(scratch_databases, tmp_path, "migration_copies",
                                                     ["old@example.org"])
    now = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    with app.app_context():
        graded = attempts.start_attempt(trainee_id, "TST", now=now, grace_seconds=30)
        answer_through_service(trainee_id, graded.id, now)
        attempts.submit(trainee_id, graded.id, now=now + timedelta(minutes=4), grace_seconds=30)
        graded_id = graded.id
        db.session.remove()

        # Revision 0012 will not drop the mark of copies still to be written (the old schema cannot say so).
        with pytest.raises(SystemExit):
            downgrade(revision="0011")
        assert statistics_copies.write_pending() == 1
        db.session.remove()
        downgrade(revision="0006")  # as a database made before the copies existed
        upgrade()

        attempt = db.session.get(Attempt, graded_id)
        items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == graded_id)).all()
        choices = db.session.scalars(select(ItemChoice).join(AttemptItem)
                                     .where(AttemptItem.attempt_id == graded_id)).all()
        assert len(items) == 6 and choices
        assert {(i.attempt_number, i.attempt_points, i.attempt_submitted_at) for i in items} == {
            (1, attempt.points, attempt.submitted_at)}
        assert {(c.attempt_number, c.attempt_points, c.attempt_submitted_at) for c in choices} == {
            (1, attempt.points, attempt.submitted_at)}
        assert {c.question_version_id for c in choices} <= {i.question_version_id for i in items}
        db.session.remove()
        db.engine.dispose()


def test_upgrading_stores_the_blank_answers_of_open_attempts_as_null(scratch_databases, tmp_path):
    """Revision 0009: a blank answer saved before it, in an attempt still open, becomes NULL (the map's
    "answered" is `answer IS NOT NULL`); real answers, and the answers of graded attempts, are kept."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select, update

    from quizbank.extensions import db
    from quizbank.models import AttemptItem
    from quizbank.services import attempts, statistics_copies

    blank = {"selected": [], "matches": [], "text": ""}
    spaces = {"selected": [], "matches": [], "text": "   "}
    given = {"selected": ["a"], "matches": [], "text": ""}
    app, trainee_ids = _migrated_app_with_trainees(scratch_databases, tmp_path, "migration_blank_answers",
                                                   ["t1@example.org", "t2@example.org"])
    now = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    with app.app_context():
        graded = attempts.start_attempt(trainee_ids[0], "TST", now=now, grace_seconds=30)
        attempts.submit(trainee_ids[0], graded.id, now=now + timedelta(minutes=4), grace_seconds=30)
        open_attempt = attempts.start_attempt(trainee_ids[1], "TST", now=now, grace_seconds=30)
        ids = {"graded": graded.id, "open": open_attempt.id}
        statistics_copies.write_pending()  # an operator's catch-up: revision 0012 refuses to go down without it
        db.session.remove()

        downgrade(revision="0008")  # as a database whose saves stored blank answers as JSON
        for attempt_id in ids.values():
            for position, answer in ((1, blank), (2, spaces), (3, given)):
                db.session.execute(update(AttemptItem).where(AttemptItem.attempt_id == attempt_id,
                                                             AttemptItem.position == position).values(answer=answer))
        db.session.commit()
        db.session.remove()
        upgrade()

        def stored(attempt_id):  # type: ignore[no-untyped-def]
            rows = db.session.execute(select(AttemptItem.position, AttemptItem.answer.is_(None), AttemptItem.answer)
                                      .where(AttemptItem.attempt_id == attempt_id, AttemptItem.position <= 3)
                                      .order_by(AttemptItem.position)).all()
            return [(null, answer) for _position, null, answer in rows]

        assert stored(ids["open"]) == [(True, None), (True, None), (False, given)]
        assert stored(ids["graded"]) == [(False, blank), (False, spaces), (False, given)]
        db.session.remove()
        db.engine.dispose()


def test_the_items_statistics_index_holds_graded_items_only(app, db):
    """Revision 0010: starting an attempt writes nothing into the statistics index; its copies (written after
    grading) add each item."""
    from sqlalchemy import text

    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            definition = connection.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_attempt_items_statistics'")).scalar_one()
        else:
            definition = connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_attempt_items_statistics'")).scalar_one()
    assert "WHERE" in definition.upper() and "attempt_points IS NOT NULL" in definition
