"""The ceiling: a minimal Flask + Flask-SQLAlchemy app on the same database and server settings as ours.

Four endpoints, each the least a real page of that kind can do, so our figures divided by these cancel
out the machine: a JSON ping, a one-row read, a Jinja page of 20 items with a form, and a one-row write
in its own transaction. Served by gunicorn as `bench.load.ceiling_app:app`, the database named by
BENCH_CEILING_DATABASE_URL; `prepare(url)` creates its one table beforehand.
"""

from __future__ import annotations

import os
import random
import secrets
from contextvars import ContextVar

from flask import Flask, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROWS = 1000
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main>
<h1>{{ title }}</h1>
<form method="post" action="/write">
<input type="hidden" name="token" value="{{ token }}">
<ol>
{% for item in items %}<li><label><input type="radio" name="choice" value="{{ item.id }}"> {{ item.label }}</label></li>
{% endfor %}</ol>
<button type="submit">Save</button>
</form>
</main></body></html>
"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
writing: ContextVar[bool] = ContextVar("writing", default=False)  # as our write_transaction() does


class CeilingRow(db.Model):
    __tablename__ = "bench_ceiling_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    counter: Mapped[int] = mapped_column(default=0)


def _sqlite_like_ours() -> None:
    """The pragmas our app sets (WAL, synchronous=FULL, busy timeout), and BEGIN IMMEDIATE for the write."""
    engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=15000", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing.get() else "BEGIN")


def create_app(database_url: str) -> Flask:
    from quizbank.config import normalise_database_url

    app = Flask(__name__)
    app.jinja_loader = DictLoader({"page.html": PAGE})  # loaded and compiled once, like a template file
    app.config.update(SQLALCHEMY_DATABASE_URI=normalise_database_url(database_url),
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True}, SECRET_KEY=secrets.token_hex(16))
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_like_ours()

    @app.get("/ping")
    def ping():  # type: ignore[no-untyped-def]
        return jsonify(ok=True)

    @app.get("/read")
    def read():  # type: ignore[no-untyped-def]
        row = db.session.get(CeilingRow, random.randint(1, ROWS))
        return jsonify(id=row.id, label=row.label, counter=row.counter) if row else ("missing", 404)

    @app.get("/page")
    def page():  # type: ignore[no-untyped-def]
        start = random.randint(1, ROWS - 20)
        items = db.session.scalars(db.select(CeilingRow).where(CeilingRow.id >= start).order_by(CeilingRow.id)
                                   .limit(20)).all()
        return render_template("page.html", title=f"Items from {start}", items=items, token=secrets.token_hex(16))

    @app.post("/write")
    def write():  # type: ignore[no-untyped-def]
        row_id = request.form.get("id", 0, type=int) or random.randint(1, ROWS)
        token = writing.set(True)
        try:
            db.session.execute(db.update(CeilingRow).where(CeilingRow.id == row_id)
                               .values(counter=CeilingRow.counter + 1))
            db.session.commit()
        finally:
            writing.reset(token)
        return jsonify(saved=True)

    return app


def prepare(database_url: str) -> None:
    """Creates the ceiling's table (beside ours, in the same database) with its rows."""
    app = create_app(database_url)
    with app.app_context():
        CeilingRow.__table__.drop(db.engine, checkfirst=True)
        CeilingRow.__table__.create(db.engine)
        db.session.execute(db.insert(CeilingRow), [{"id": n, "label": f"Item {n}: a line of text"}
                                                   for n in range(1, ROWS + 1)])
        db.session.commit()


app = create_app(os.environ["BENCH_CEILING_DATABASE_URL"]) if "BENCH_CEILING_DATABASE_URL" in os.environ else None
