"""One use case, one transaction: how a write transaction starts after the request has read."""

from __future__ import annotations

from sqlalchemy import event, text

from tests.conftest import make_test_app


def test_a_write_after_reads_commits_the_reads_first_only_where_sqlite_needs_it(scratch_databases, tmp_path):
    """SQLite must begin the write IMMEDIATE, so the read transaction is committed first (two commits).
    PostgreSQL goes on in the transaction the reads opened: one commit, a COMMIT and a BEGIN fewer."""
    from flask_migrate import upgrade

    from quizbank.extensions import db
    from quizbank.services.unit_of_work import write_transaction

    app = make_test_app(scratch_databases("unit_of_work"), tmp_path)
    with app.app_context():
        upgrade()
        commits: list[str] = []
        event.listen(db.engine, "commit", lambda _conn: commits.append("commit"))
        before = db.session.execute(text("SELECT count(*) FROM cohorts")).scalar_one()  # a read opens a transaction
        with write_transaction():
            db.session.execute(text("INSERT INTO cohorts (name, description, created_at) "
                                    "VALUES ('c', '', '2026-12-06')"))
        assert db.session.execute(text("SELECT count(*) FROM cohorts")).scalar_one() == before + 1
        expected = 2 if db.engine.dialect.name == "sqlite" else 1
        assert commits == ["commit"] * expected
        db.session.remove()
        db.engine.dispose()
