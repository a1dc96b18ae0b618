"""One use case, one transaction: how a write transaction starts after the request has read."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, func, select, text
from sqlalchemy.engine.interfaces import ExecuteStyle

from tests.conftest import make_test_app


def test_a_write_after_reads_commits_the_reads_first_only_where_sqlite_needs_it(real_app):
    """SQLite must begin the write IMMEDIATE, so the read transaction is committed first (two commits).
    PostgreSQL goes on in the Session's transaction: one commit, a COMMIT and a BEGIN fewer."""
    from quizbank.extensions import db
    from quizbank.services.unit_of_work import write_transaction

    commits: list[str] = []
    event.listen(db.engine, "commit", lambda _conn: commits.append("commit"))
    before = db.session.execute(text("SELECT count(*) FROM cohorts")).scalar_one()  # text opens a transaction
    with write_transaction():
        db.session.execute(text("INSERT INTO cohorts (name, description, created_at) "
                                "VALUES ('c', '', '2026-12-06')"))
    assert db.session.execute(text("SELECT count(*) FROM cohorts")).scalar_one() == before + 1
    expected = 2 if db.engine.dialect.name == "sqlite" else 1
    assert commits == ["commit"] * expected


@pytest.fixture
def real_app(scratch_databases, tmp_path, request):
    """The app on a database of its own, with the Session production uses (not the tests' rolled-back one)."""
    from flask_migrate import upgrade

    from quizbank.extensions import db

    app = make_test_app(scratch_databases(request.node.name[:40]), tmp_path)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def _in_transaction() -> bool:
    """Whether the Session's database connection has a transaction open on the server."""
    from quizbank.extensions import db

    driver = db.session.connection().connection.driver_connection
    if db.engine.dialect.name == "sqlite":
        return driver.in_transaction
    return driver.info.transaction_status != TransactionStatus.IDLE


def _cohort_count() -> int:
    from quizbank.extensions import db
    from quizbank.models import Cohort

    return db.session.scalar(select(func.count(Cohort.id))) or 0


def test_reads_take_no_transaction_on_postgresql_and_the_first_write_begins_one(real_app):
    """PostgreSQL: plain reads run in autocommit (no BEGIN and ROLLBACK round trips); the write transaction
    is open from its first write to its commit. SQLite reads in a transaction of its own, as before."""
    from quizbank.extensions import db
    from quizbank.models import Cohort
    from quizbank.services.unit_of_work import write_transaction

    postgres = db.engine.dialect.name == "postgresql"
    before = _cohort_count()
    assert _in_transaction() is not postgres
    with write_transaction():
        db.session.add(Cohort(name="one", description=""))
        db.session.flush()
        assert _in_transaction()
    assert _cohort_count() == before + 1
    assert _in_transaction() is not postgres


def test_a_one_statement_write_is_its_own_transaction_on_postgresql(real_app):
    """An autosave's kind of write: on PostgreSQL no BEGIN before it and no COMMIT after it (the statement
    commits by itself); on SQLite an ordinary write transaction, begun IMMEDIATE under the writers' lock."""
    from quizbank.extensions import db
    from quizbank.services.unit_of_work import write_transaction

    postgres = db.engine.dialect.name == "postgresql"
    before = _cohort_count()
    with write_transaction(one_statement=True):
        db.session.execute(text("INSERT INTO cohorts (name, description, created_at) "
                                "VALUES ('solo', '', '2026-12-07')"))
        assert _in_transaction() is not postgres  # on PostgreSQL it has committed already
    assert _cohort_count() == before + 1


def test_a_second_write_in_a_one_statement_block_is_refused_before_it_runs(real_app):
    """On PostgreSQL two writes there would be two transactions: the second is refused, unsent. SQLite
    keeps the block one transaction, so both land together."""
    from quizbank.extensions import db
    from quizbank.services.unit_of_work import write_transaction

    insert = text("INSERT INTO cohorts (name, description, created_at) VALUES (:name, '', '2026-12-07')")
    before = _cohort_count()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(RuntimeError, match="not be atomic"), write_transaction(one_statement=True):
            db.session.execute(insert, {"name": "first"})
            db.session.execute(insert, {"name": "second"})
        assert _cohort_count() == before + 1
    else:
        with write_transaction(one_statement=True):
            db.session.execute(insert, {"name": "first"})
            db.session.execute(insert, {"name": "second"})
        assert _cohort_count() == before + 2


def test_a_write_transaction_that_fails_stores_none_of_its_writes(real_app):
    from quizbank.extensions import db
    from quizbank.models import Cohort
    from quizbank.services.unit_of_work import write_transaction

    before = _cohort_count()
    with pytest.raises(RuntimeError), write_transaction():
        db.session.add(Cohort(name="first", description=""))
        db.session.flush()
        db.session.execute(text("INSERT INTO cohorts (name, description, created_at) "
                                "VALUES ('second', '', '2026-12-06')"))
        raise RuntimeError("the use case fails after two writes")
    assert _cohort_count() == before


def test_locking_and_streamed_reads_run_in_a_transaction(real_app):
    """A server-side cursor (a streamed CSV) and SELECT ... FOR UPDATE need a transaction on PostgreSQL."""
    from quizbank.extensions import db
    from quizbank.models import Cohort
    from quizbank.services.unit_of_work import write_transaction

    with write_transaction():
        db.session.add_all([Cohort(name=f"c{n}", description="") for n in range(5)])
    streamed = db.session.execute(select(Cohort.name).order_by(Cohort.name).execution_options(yield_per=2))
    assert [name for part in streamed.partitions() for (name,) in part] == ["c0", "c1", "c2", "c3", "c4"]
    assert _in_transaction()
    db.session.rollback()
    assert db.session.scalars(select(Cohort.name).where(Cohort.name == "c0").with_for_update()).all() == ["c0"]
    assert _in_transaction()
    db.session.rollback()


def test_many_rows_are_one_insert_statement_on_postgresql_and_an_executemany_on_sqlite(real_app):
    """psycopg pipelines an executemany, but PostgreSQL still runs a statement per row; SQLite's runs in-process."""
    from sqlalchemy import insert

    from quizbank.extensions import db
    from quizbank.models import Cohort
    from quizbank.services.unit_of_work import write_transaction

    inserts: list[ExecuteStyle] = []  # how each INSERT was sent

    def _sent(_conn, _cursor, statement, _parameters, context, _executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT"):
            inserts.append(context.execute_style)

    event.listen(db.engine, "before_cursor_execute", _sent)
    with write_transaction():
        db.session.execute(insert(Cohort), [{"name": f"c{n}", "description": ""} for n in range(25)])
    assert _cohort_count() == 25
    postgres = db.engine.dialect.name == "postgresql"
    assert inserts == [ExecuteStyle.INSERTMANYVALUES if postgres else ExecuteStyle.EXECUTEMANY]
