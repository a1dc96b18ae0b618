"""One use case, one transaction."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import partial

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from quizbank.db_session import one_statement_writes
from quizbank.extensions import db, want_immediate

_writing: ContextVar[bool] = ContextVar("writing", default=False)


@contextmanager
def write_transaction(*, one_statement: bool = False) -> Iterator[Session]:
    """Runs the block in one write transaction: commit once at the end, roll back on any error.

    `one_statement`: the block writes with a single statement, which on PostgreSQL then runs as its own
    transaction, without the BEGIN and COMMIT round trips (`db_session.one_statement_writes`).

    On SQLite, a read-only transaction already open (flask-login loading the user, say) is closed first,
    so the write transaction begins IMMEDIATE and takes the write lock before it reads. On PostgreSQL the
    Session's plain reads run without a transaction (READ COMMITTED gives each statement its own snapshot
    anyway), and the block's first write begins the transaction that the commit below ends (`db_session`).
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()
    token = want_immediate.set(True)
    try:
        with _sqlite_writers_queue(session), one_statement_writes() if one_statement else nullcontext():
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        want_immediate.reset(token)
    _checkpoint_now_and_then(session)


# Every this many write transactions of a process, a passive checkpoint (see below).
CHECKPOINT_EVERY_WRITES = 16
_writes_since_checkpoint = 0

Job = Callable[[], None]


def _run_now(job: Job) -> None:
    job()


# How a due checkpoint is run: at once by default (the CLI, scripts); the web app hands it to the server to
# run once the response has been sent (see `run_upkeep_with`).
_upkeep_runner: Callable[[Job], None] = _run_now


def run_upkeep_with(runner: Callable[[Job], None]) -> None:
    """Sets who runs upkeep that no caller waits for (the log checkpoint): the web app defers it until the
    response is out, so the request that happened to make the checkpoint due is not the one that pays."""
    global _upkeep_runner
    _upkeep_runner = runner


def _checkpoint_now_and_then(session: Session) -> None:
    """On SQLite, moves the write-ahead log into the database file outside the writers' queue.

    SQLite checkpoints by itself when the log passes 1,000 pages, inside the commit that passed it, so
    inside our writers' queue: every writer then waits for the database file to be written and synced.
    A passive checkpoint here, after the lock is released, does that work while other writers go on
    (passive: it takes no write lock and waits for nobody), and keeps the log short enough that SQLite's
    own checkpoint stays a safety net that rarely fires.
    """
    global _writes_since_checkpoint
    bind = session.get_bind()
    database = bind.engine.url.database if bind.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or _writing.get():
        return
    _writes_since_checkpoint += 1
    if _writes_since_checkpoint < CHECKPOINT_EVERY_WRITES:
        return
    _writes_since_checkpoint = 0
    _upkeep_runner(partial(_passive_checkpoint, bind.engine))


def _passive_checkpoint(engine: Engine) -> None:
    raw = engine.raw_connection()  # in autocommit: a checkpoint cannot run inside a transaction
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
    finally:
        raw.close()


@contextmanager
def _sqlite_writers_queue(session: Session) -> Iterator[None]:
    """On a SQLite file, writers of every worker process wait their turn on an OS file lock.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps (its busy handler
    sleeps up to 100 ms between tries), so under a burst of writes a request can sleep long after the
    lock was freed. Waiting on flock instead wakes the next writer the moment the lock is released. The
    lock only orders our own writers; SQLite's locking still guards everything else (migrations, other
    tools), and the operating system releases the lock if a worker dies holding it.
    """
    bind = session.get_bind()
    database = bind.engine.url.database if bind.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or _writing.get():
        yield
        return
    descriptor = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    nested = _writing.set(True)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        _writing.reset(nested)
        os.close(descriptor)  # closing the descriptor releases the lock
