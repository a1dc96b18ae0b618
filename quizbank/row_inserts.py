"""Inserting a batch of rows (an attempt's items, graded attempts' chosen options) in one short statement."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Insert, Table, Text, bindparam, cast, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]],
                shared: Mapping[str, Any] | None = None) -> None:
    """Inserts `rows` (each with the same keys) into `table`, each completed with the values of `shared`.

    On PostgreSQL the rows go as one array per column, which `unnest` turns back into rows, so the statement's
    text is the same whatever the number of rows. A multi-row VALUES statement is new text for each row count
    and long: psycopg parsed it again on every call (it is too long for psycopg's cache) and PostgreSQL planned
    it again. This one psycopg prepares once per connection: a graded attempt's ~27 chosen options took 1.65 ms to
    insert that way, 1.16 ms this way (one process, client and server together).
    SQLite runs an executemany, in-process.
    """
    if not rows:
        return
    shared = shared or {}
    varying = tuple(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), [{**row, **shared} for row in rows])
        return
    as_text = {name for name in varying if _is_json(table, name)}
    arrays = {name: [json.dumps(row[name]) for row in rows] if name in as_text else [row[name] for row in rows]
              for name in varying}
    session.execute(_unnest_insert(table, varying, tuple(shared)), {**arrays, **shared})


def _is_json(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)


@lru_cache(maxsize=32)
def _unnest_insert(table: Table, varying: tuple[str, ...], shared: tuple[str, ...]) -> Insert:
    """INSERT INTO table (varying..., shared...) SELECT * FROM unnest(:varying[]...), with :shared on each row.

    A JSON value goes as its text (an array of JSON would take a list value for a dimension of the array)."""
    columns = table.c
    element_types = (Text if _is_json(table, name) else columns[name].type for name in varying)
    arrays = func.unnest(*(bindparam(name, type_=postgresql.ARRAY(element_type))
                           for name, element_type in zip(varying, element_types, strict=True)))
    rows = arrays.table_valued(*varying).render_derived()
    values = (cast(rows.c[name], columns[name].type) if _is_json(table, name) else rows.c[name] for name in varying)
    constants = (bindparam(name, type_=columns[name].type) for name in shared)
    return insert(table).from_select([*varying, *shared], select(*values, *constants))
