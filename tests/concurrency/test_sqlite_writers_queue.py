"""On SQLite, write transactions of every worker wait their turn on one OS file lock."""

from __future__ import annotations

import fcntl
import os
import threading

from sqlalchemy import text

from tests.conftest import make_test_app


def test_a_writer_waits_while_another_holds_the_writers_lock_and_goes_as_soon_as_it_is_freed(
        scratch_databases, tmp_path):
    from flask_migrate import upgrade

    from quizbank.extensions import db
    from quizbank.services.unit_of_work import write_transaction

    committing_app = make_test_app(scratch_databases("writers_queue"), tmp_path)
    with committing_app.app_context():
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL queues writers by itself, row by row
        upgrade()
        lock_path = f"{db.engine.url.database}-writers.lock"
    held = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)  # as another worker process in the middle of its write
    done = threading.Event()

    def writer() -> None:
        with committing_app.app_context():
            with write_transaction():
                db.session.execute(text("UPDATE users SET name = name WHERE id = 0"))
            db.session.remove()
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert not done.wait(0.5), "the write went ahead while the lock was held"
    finally:
        os.close(held)  # the other worker commits
    assert done.wait(10), "the write did not go ahead once the lock was freed"
    thread.join()
