"""One use case, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from quizbank.extensions import db, want_immediate


@contextmanager
def write_transaction() -> Iterator[Session]:
    """Runs the block in one write transaction: commit once at the end, roll back on any error.

    A read-only transaction already open (flask-login loading the user, say) is closed first, so on
    SQLite the write transaction begins IMMEDIATE and takes the write lock before it reads.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction():
        session.commit()
    token = want_immediate.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        want_immediate.reset(token)
