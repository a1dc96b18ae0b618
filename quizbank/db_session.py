"""The app's Session, and where a PostgreSQL transaction begins.

PostgreSQL runs at READ COMMITTED, where every statement reads its own snapshot, so a transaction around
plain reads changes nothing they see; it only costs a BEGIN and a ROLLBACK round trip per request, as many
as a page's own queries. So on PostgreSQL the Session's reads run on an autocommit variant of the engine,
and the first statement that does need a transaction begins one (below): from there until the Session
commits or rolls back, everything runs in it, exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from psycopg.pq import TransactionStatus
from sqlalchemy import Select, event
from sqlalchemy.engine import Connection, Engine, ExecutionContext

# The attribute of an engine that holds its variant for reads (set by `configure_postgresql`).
_READS_ENGINE = "quizbank_reads_engine"


class AppSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's Session, sending each statement to the variant of its engine made for it."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        engine = super().get_bind(*args, **kwargs)
        return getattr(engine, _READS_ENGINE, engine)


def configure_postgresql(engine: Engine) -> None:
    """The app's Session reads in autocommit; a write, a lock or a streamed read begins a
    transaction on the same connection, which the Session's commit or rollback then ends.

    And an executemany INSERT (the link rows a flush writes for a many-to-many relationship, such as a
    cohort's members) is sent as one multi-row statement, as SQLAlchemy does for psycopg2: psycopg 3
    pipelines an executemany, but the server still runs one statement per row. The hot paths' batches (an
    attempt's items, the chosen options of graded attempts) go through `row_inserts` instead, whose
    statement keeps one text whatever the number of rows. SQLite keeps its executemany, which runs
    in-process.
    """
    engine.dialect.use_insertmanyvalues_wo_returning = True
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    event.listen(reads, "before_cursor_execute", _begin_unless_plain_read)
    setattr(engine, _READS_ENGINE, reads)


def _needs_transaction(context: ExecutionContext | None) -> bool:
    """Everything but a plain SELECT: writes, text (an advisory lock, a savepoint), SELECT ... FOR UPDATE,
    and reads through a server-side cursor, which PostgreSQL only keeps inside a transaction."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or not isinstance(compiled.statement, Select):
        return True
    return compiled.statement._for_update_arg is not None or bool(
        context.execution_options.get("stream_results"))  # type: ignore[union-attr]


# Inside `one_statement_writes`: how many writes the block has sent (a list, so the hook can count).
_one_statement: ContextVar[list[int] | None] = ContextVar("one_statement", default=None)


@contextmanager
def one_statement_writes() -> Iterator[None]:
    """On PostgreSQL, the block's write runs as a transaction of its own: no BEGIN before it and no COMMIT
    after it, two round trips of a write's three. A statement is atomic by itself, so a use case whose whole
    write is one statement (an autosave) gives up nothing; a second write in the block would not be atomic
    with the first, and is refused before it runs."""
    token = _one_statement.set([0])
    try:
        yield
    finally:
        _one_statement.reset(token)


def _begin_unless_plain_read(conn: Connection, _cursor: Any, _statement: str, _parameters: Any,
                             context: ExecutionContext | None, _executemany: bool) -> None:
    driver = conn.connection.driver_connection
    if driver.info.transaction_status == TransactionStatus.IDLE and _needs_transaction(context):  # type: ignore[union-attr]
        writes = _one_statement.get()
        if writes is None:
            driver.execute("BEGIN")  # type: ignore[union-attr]  # commit() and rollback() end it: psycopg sees it open
            return
        writes[0] += 1
        if writes[0] > 1:
            raise RuntimeError("a second write in a one-statement block would not be atomic with the first")
