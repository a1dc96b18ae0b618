"""A batch of rows goes in as one statement whose text does not depend on how many rows there are (PostgreSQL),
or as an executemany (SQLite), and every value comes back as it was given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, Column, Float, Integer, MetaData, String, Table, event, select

from quizbank.models.types import UTCDateTime
from quizbank.row_inserts import insert_rows

_PROBE = Table("row_insert_probe", MetaData(),
               Column("id", Integer, primary_key=True), Column("n", Integer), Column("label", String(40)),
               Column("doc", JSON), Column("weight", Float), Column("at", UTCDateTime),
               Column("batch", Integer), Column("flag", Integer, default=7))

AT = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC)


def _rows(count: int) -> list[dict[str, object]]:
    docs: list[object] = [["p2", "p1"], {"k": [1, 2]}, "plain", 3, None, [], ["it's", "naïve \"quoted\""]]
    return [{"n": i, "label": f"option {i} 'x' é", "doc": docs[i % len(docs)]} for i in range(count)]


@pytest.fixture
def probe(db):
    _PROBE.create(db.session.connection())
    return _PROBE


@pytest.mark.parametrize("count", [1, 7, 25])
def test_every_row_is_stored_with_its_values_and_the_shared_ones(db, probe, count):
    rows = _rows(count)
    insert_rows(db.session, probe, rows, {"weight": 12.25, "at": AT, "batch": 3})
    stored = db.session.execute(select(probe).order_by(probe.c.n)).mappings().all()
    assert [{k: r[k] for k in ("n", "label", "doc")} for r in stored] == rows
    assert {(r["weight"], r["at"], r["batch"], r["flag"]) for r in stored} == {(12.25, AT, 3, 7)}


def test_no_rows_insert_nothing(db, probe):
    insert_rows(db.session, probe, [], {"batch": 1})
    assert db.session.execute(select(probe)).all() == []


def test_postgresql_gets_the_same_short_statement_whatever_the_number_of_rows(db, probe):
    sent: list[tuple[str, bool]] = []

    def _record(_conn, _cursor, statement, _parameters, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT"):
            sent.append((statement, executemany))

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", _record)
    try:
        for count in (1, 25, 3):
            insert_rows(db.session, probe, _rows(count), {"batch": count})
    finally:
        event.remove(connection, "before_cursor_execute", _record)
    assert len(sent) == 3
    if connection.dialect.name == "postgresql":
        assert len({statement for statement, _many in sent}) == 1  # one text, which psycopg prepares once
        assert not any(many for _statement, many in sent)
        assert "unnest" in sent[0][0]
    else:
        assert [many for _statement, many in sent] == [False, True, True]  # SQLite's executemany runs in-process
