"""On SQLite, the write-ahead log is moved into the database file after the writers' lock is released."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime

from sqlalchemy import event, text

from tests.conftest import make_test_app

_NEW_COHORT = text("INSERT INTO cohorts (name, description, created_at) VALUES (:n, '', '2026-12-06')")


def _rows_in_the_database_file_alone(database: str, copy_to: str) -> int:
    """Counts the cohorts the main database file holds by itself, without its write-ahead log."""
    shutil.copyfile(database, copy_to)
    with sqlite3.connect(copy_to) as alone:
        return alone.execute("SELECT count(*) FROM cohorts").fetchone()[0]


def test_every_few_writes_a_process_checkpoints_the_log_outside_the_writers_lock(
        scratch_databases, tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from quizbank.extensions import db
    from quizbank.services import unit_of_work
    from quizbank.services.unit_of_work import write_transaction

    app = make_test_app(scratch_databases("checkpoints"), tmp_path)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL has no write-ahead log file of ours to move
        upgrade()
        database = db.engine.url.database

        @event.listens_for(db.engine, "connect")
        def _no_automatic_checkpoints(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")  # so only ours can move the log

        db.engine.dispose()
    monkeypatch.setattr(unit_of_work, "CHECKPOINT_EVERY_WRITES", 3)
    monkeypatch.setattr(unit_of_work, "_writes_since_checkpoint", 0)
    held_open = sqlite3.connect(database)  # keeps the log from being folded in when the app's connections close
    held_open.execute("SELECT 1").fetchone()
    copy = str(tmp_path / "alone.sqlite")
    seen = []
    try:
        for n in range(1, 7):
            with app.app_context():
                with write_transaction():
                    db.session.execute(_NEW_COHORT, {"n": f"cohort {n}"})
                db.session.remove()
            seen.append(_rows_in_the_database_file_alone(database, copy))
    finally:
        held_open.close()
    assert seen == [0, 0, 3, 3, 3, 6], seen


def test_in_a_request_the_checkpoint_runs_after_the_response_is_sent(app, client, db, login_as, small_bank,
                                                                     monkeypatch):
    """The request that makes a checkpoint due does not wait for it: the server runs it on closing the
    response. Outside a request (the CLI, scripts) it runs at once."""
    from flask import has_request_context

    from quizbank.services import attempts, unit_of_work
    from quizbank.web.after_response import run_after_the_response

    ran: list[str] = []
    run_after_the_response(lambda: ran.append("outside a request"))
    assert ran == ["outside a request"]

    trainee = login_as("trainee")
    attempt = attempts.start_attempt(trainee.id, "TST", now=datetime.now(UTC), grace_seconds=30)
    deferred: list[bool] = []

    def note_when_it_runs() -> None:
        deferred.append(not has_request_context())  # the request has ended: the response is complete

    def job_due_on_every_write(_session):  # type: ignore[no-untyped-def]
        unit_of_work._upkeep_runner(note_when_it_runs)

    monkeypatch.setattr(unit_of_work, "_checkpoint_now_and_then", job_due_on_every_write)
    response = client.post(f"/trainee/attempts/{attempt.id}/q/1", data={"choice": "0", "go": "next"},
                           headers={"X-Autosave": "1"}, buffered=False)
    assert response.status_code == 200 and deferred == []  # not yet: the body has not been consumed and closed
    response.get_data()
    response.close()
    assert deferred == [True]
