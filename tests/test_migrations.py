"""The schema comes from migrations, and the migrations describe exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_upgrade_on_an_empty_database_gives_exactly_the_models(app, db):
    # The session fixture built the schema with `flask db upgrade` alone; autogenerate finds no diff.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(app, db):
    if db.engine.dialect.name != "sqlite":
        return  # the pragmas only concern SQLite; PostgreSQL has its own durability
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
