"""A benchmark run that was killed leaves its scratch database behind; the next run on this machine drops
it, but never one still in use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.synthetic import abandoned_databases, process_running, scratch_database
from quizbank.config import normalise_database_url


def _finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_the_databases_of_finished_runs_of_the_label_are_abandoned():
    running = {100, 200}
    names = ["quizbank_load_100", "quizbank_load_300", "quizbank_load_x", "quizbank_loader_300",
             "quizbank_bench_300", "quizbank_load_", "postgres"]
    assert abandoned_databases(names, "load", lambda pid: pid in running) == ["quizbank_load_300"]


def test_a_process_runs_until_it_has_exited():
    assert process_running(os.getpid())
    assert not process_running(_finished_pid())


def test_the_next_run_drops_what_a_killed_run_left_and_keeps_what_is_in_use(db):
    if db.engine.dialect.name != "postgresql":
        with scratch_database(None, "scratchtest") as url:  # SQLite: a folder of the run's own, gone with it
            folder = Path(make_url(url).database or "").parent
            assert folder.is_dir()
        assert not folder.exists()
        return
    server = normalise_database_url(os.environ["QUIZBANK_TEST_DATABASE_URL"])
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    left, in_use, live = (f"quizbank_scratchtest_{pid}" for pid in (_finished_pid(), _finished_pid(), os.getppid()))
    with admin.connect() as conn:
        for name in (left, in_use, live):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    user = create_engine(make_url(server).set(database=in_use))
    try:
        with user.connect() as holding:
            holding.execute(text("SELECT 1"))
            with scratch_database(server, "scratchtest") as url:
                ours = make_url(url).database
                with admin.connect() as conn:
                    names = set(conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE "
                                                  "'quizbank_scratchtest_%'")).scalars())
        assert names == {ours, in_use, live}
    finally:
        user.dispose()
        with admin.connect() as conn:
            for name in (left, in_use, live):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
