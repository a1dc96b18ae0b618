"""Scale benchmark of item statistics (issue 8): the SAF item table and KR-20 over 100,000 graded attempts.

    .venv/bin/python bench/item_stats.py [--attempts 100000] [--database postgresql://postgres@127.0.0.1/test]

On a scratch database (a SQLite file in a temporary folder, or a PostgreSQL database created beside the
one named and dropped afterwards) it loads the bundled SAF bank through the app, bulk-inserts graded
attempts (25 items each, item choices too) for trainees whose ability varies, and times
`services.statistics.module_statistics(StatsQuery("SAF"))` at a checkpoint (10,000 attempts) and at the
full count. Memory that does not grow with responses shows as the same Python peak (tracemalloc) and
about the same resident set at both sizes. Target: under 2 s at the full count.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics as pystats
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.synthetic import (  # noqa: E402
    BANKS,
    USER_COLUMNS,
    AttemptRows,
    AttemptSimulator,
    BulkWriter,
    IdCounters,
    make_app,
    module_forms,
    peak_rss_mb,
    rss_mb,
    scratch_database,
)

TARGET_SECONDS = 2.0
CHUNK_TRAINEES = 4000
ATTEMPTS_PER_TRAINEE = ((1, 0.6), (2, 0.25), (3, 0.15))  # how many SAF attempts a trainee makes


def _attempt_count(rng: random.Random) -> int:
    roll, total = rng.random(), 0.0
    for count, share in ATTEMPTS_PER_TRAINEE:
        total += share
        if roll < total:
            return count
    return ATTEMPTS_PER_TRAINEE[-1][0]


class Generator:
    """Adds trainees and their graded SAF attempts until a target count, in chunks committed as it goes."""

    def __init__(self, app, seed: int) -> None:  # type: ignore[no-untyped-def]
        from quizbank.extensions import db

        self.app = app
        self.db = db
        self.rng = random.Random(seed)
        with app.app_context():
            forms, drafts = module_forms()
        self.form = forms["SAF"]
        self.simulator = AttemptSimulator({v: drafts[v] for vs in self.form.pool_by_competency.values() for v in vs},
                                          self.rng)
        self.made = 0
        self.now = datetime.now(UTC)
        self.ids: IdCounters | None = None
        self.next_user = 0

    def grow_to(self, target: int) -> float:
        started = time.perf_counter()
        with self.app.app_context(), self.db.engine.begin() as conn:
            writer = BulkWriter(conn)
            if self.ids is None:
                self.ids = IdCounters(writer.next_id("attempts"), writer.next_id("attempt_items"),
                                      writer.next_id("item_choices"))
                self.next_user = writer.next_id("users")
            while self.made < target:
                self._chunk(writer, target)
            writer.finish()
        return time.perf_counter() - started

    def _chunk(self, writer: BulkWriter, target: int) -> None:
        assert self.ids is not None
        rows = AttemptRows()
        users = []
        for _ in range(CHUNK_TRAINEES):
            if self.made >= target:
                break
            user_id = self.next_user
            self.next_user += 1
            created = self.now - timedelta(days=self.rng.uniform(30, 600))
            users.append((user_id, f"stats{user_id:07d}@bench.quizbank", f"Stats Trainee {user_id}", "trainee",
                          None, True, writer.time(created), writer.time(created)))
            ability = self.rng.gauss(0.4, 1.0)
            started = created + timedelta(days=self.rng.uniform(1, 20), minutes=self.rng.uniform(0, 600))
            for number in range(1, min(_attempt_count(self.rng), target - self.made) + 1):
                self.simulator.graded_attempt(rows, writer, self.ids, self.form, user_id=user_id, number=number,
                                              ability=ability + 0.3 * (number - 1), started_at=started, rng=self.rng)
                self.made += 1
                started += timedelta(days=self.rng.uniform(1.5, 30))
        writer.insert("users", USER_COLUMNS, users)
        AttemptSimulator.write(writer, rows)


def _counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from quizbank.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return {table: int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)
                for table in ("attempts", "attempt_items", "item_choices")}


def measure(database_url: str, runs: int, explain: bool = False) -> dict[str, object]:
    """Runs the timing in a fresh process, so its memory figures are the statistics' own, not the generator's."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", database_url, "--runs", str(runs)]
    if explain:
        command.append("--explain")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    found = re.search(r"^MEASURED (\{.*\})$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or not found:
        raise RuntimeError(f"measurement failed:\n{completed.stdout}\n{completed.stderr}")
    result: dict[str, object] = json.loads(found.group(1))
    return result


def _measure_here(database_url: str, runs: int, explain: bool) -> dict[str, object]:
    """In the child: `runs` timed calls (wall and CPU time of this process, plus time per SQL statement),
    then one under tracemalloc for the Python peak; VmHWM is the process's peak resident set."""
    from sqlalchemy import event

    from quizbank.extensions import db
    from quizbank.services.statistics import StatsQuery, module_statistics

    app = make_app(database_url)
    statements: dict[str, list[float]] = {}
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, _cursor, _statement, _parameters, _context, _many):  # type: ignore[no-untyped-def]
            conn.info["qb_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
            key = " ".join(statement.split())
            statements.setdefault(key, []).append(time.perf_counter() - conn.info.pop("qb_started"))
            if explain and key not in explained:
                explained[key] = parameters

        explained: dict[str, object] = {}
        module_statistics(StatsQuery("SAF"))  # warm: imports, mappers, caches
        db.session.remove()
        statements.clear()
        _reset_peak_rss()  # from here VmHWM is the statistics' peak, not the imports' (argon2 hashes at import)
        rss_before = rss_mb()
        timings, cpu = [], []
        stats = None
        for _ in range(runs):
            wall_started, cpu_started = time.perf_counter(), time.process_time()
            stats = module_statistics(StatsQuery("SAF"))
            timings.append(time.perf_counter() - wall_started)
            cpu.append(time.process_time() - cpu_started)
            db.session.remove()
        tracemalloc.start()
        module_statistics(StatsQuery("SAF"))
        _current, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.session.remove()
        slowest = sorted(((sum(v) / len(v), k) for k, v in statements.items()), reverse=True)[:4]
        count = sum(len(v) for v in statements.values())
        plans = _plans(engine, explained, dict(statements)) if explain else {}
    assert stats is not None
    flagged = sum(1 for row in stats.items if row.report.flags)
    facilities = [row.report.facility for row in stats.items if row.report.facility is not None]
    return {
        "timings": timings, "cpu": cpu, "python_peak_mb": python_peak / 2**20, "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(), "items": len(stats.items), "flagged": flagged,
        "kr20": stats.report.reliability, "sem": stats.report.sem, "mean": stats.report.mean,
        "sd": stats.report.sd, "pass_rate": stats.report.pass_rate,
        "facility_range": [min(facilities), max(facilities)] if facilities else [None, None],
        "attempts_counted": stats.report.attempts,
        "slowest": [[round(t, 3), k[:150]] for t, k in slowest], "plans": plans,
        "statements_per_call": count // (runs + 1),  # the timed runs and the tracemalloc run
    }


def _reset_peak_rss() -> None:
    """Linux resets a process's peak resident set (VmHWM) when 5 is written to its clear_refs."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _plans(engine, explained: dict[str, object], statements: dict[str, list[float]]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The query plans of the slowest statements (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL)."""
    slow = sorted(statements, key=lambda k: -sum(statements[k]))[:3]
    plans = {}
    with engine.connect() as conn:
        for key in slow:
            parameters = explained.get(key)
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + key, tuple(parameters or ()))  # type: ignore[arg-type]
                plans[key[:100]] = [str(r[3]) for r in rows]
            else:
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + key, parameters)  # type: ignore[arg-type]
                plans[key[:100]] = [str(r[0]) for r in rows]
    return plans


def _print_checkpoint(counts: dict[str, int], result: dict[str, object]) -> None:
    timings: list[float] = result["timings"]  # type: ignore[assignment]
    cpu: list[float] = result["cpu"]  # type: ignore[assignment]
    low, high = result["facility_range"]  # type: ignore[misc]
    print(f"  rows: attempts={counts['attempts']:,} attempt_items={counts['attempt_items']:,} "
          f"item_choices={counts['item_choices']:,}")
    print(f"  module_statistics(SAF), {len(timings)} runs: median={pystats.median(timings):.3f}s  "
          f"min={min(timings):.3f}s  max={max(timings):.3f}s  (CPU of this process: median "
          f"{pystats.median(cpu):.3f}s)")
    print(f"    {result['statements_per_call']} SQL statements per call; the slowest to their first row (mean "
          "seconds; the rows streamed after it are not counted here):")
    for seconds, statement in result["slowest"]:  # type: ignore[attr-defined]
        print(f"    {seconds:7.3f}s  {statement}")
    print(f"  memory of the measuring process: rss before the calls {result['rss_before_mb']:.1f} MiB, "
          f"peak rss during the calls {result['peak_rss_mb']:.1f} MiB; python peak during one call "
          f"{result['python_peak_mb']:.2f} MiB")
    print(f"  result: items={result['items']} attempts={result['attempts_counted']:,} mean={result['mean']:.2f} "
          f"sd={result['sd']:.2f} KR-20={result['kr20']:.3f} SEM={result['sem']:.2f} "
          f"pass_rate={result['pass_rate']:.2f} facility={low:.2f}..{high:.2f} flagged_items={result['flagged']}")
    for statement, plan in (result.get("plans") or {}).items():  # type: ignore[attr-defined]
        print(f"  plan of {statement}…")
        for line in plan:
            print(f"      {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=100_000, help="graded SAF attempts at the end (100,000)")
    parser.add_argument("--checkpoint", type=int, default=10_000, help="measure first at this many (10,000)")
    parser.add_argument("--database", help="a PostgreSQL URL; a scratch database is created beside it and dropped")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per checkpoint")
    parser.add_argument("--seed", type=int, default=20260801)
    parser.add_argument("--explain", action="store_true", help="print the plans of the slowest statements")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)  # the child process's mode
    args = parser.parse_args(argv)
    if args.measure:
        print("MEASURED " + json.dumps(_measure_here(args.measure, args.runs, args.explain)))
        return 0
    checkpoints = sorted({c for c in (args.checkpoint, args.attempts) if 0 < c <= args.attempts})

    with scratch_database(args.database, "bench", keep=args.keep) as url:
        app = make_app(url)
        from flask_migrate import upgrade

        from quizbank.extensions import db
        from quizbank.services.bank_loading import load_banks

        with app.app_context():
            upgrade()
            load_banks([BANKS / "saf.yaml"])
        dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"item statistics benchmark on {dialect}; load average {load}; {os.cpu_count()} CPUs")
        generator = Generator(app, args.seed)
        print(f"  SAF: form length {generator.form.form_length}, published pool "
              f"{sum(len(v) for v in generator.form.pool_by_competency.values())} versions")
        results = {}
        for checkpoint in checkpoints:
            seconds = generator.grow_to(checkpoint)
            if dialect == "postgresql":
                with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does shortly after a bulk load
            counts = _counts(app)
            print(f"\n{checkpoint:,} attempts (generated in {seconds:.1f}s, "
                  f"{counts['attempt_items'] / max(seconds, 1e-9):,.0f} item rows/s)")
            results[checkpoint] = measure(url, args.runs, explain=args.explain and checkpoint == args.attempts)
            _print_checkpoint(counts, results[checkpoint])
        final = results[args.attempts]
        median = pystats.median(final["timings"])  # type: ignore[arg-type]
        print()
        if len(checkpoints) > 1:
            first = results[checkpoints[0]]
            print(f"memory against responses ({checkpoints[0]:,} → {args.attempts:,} attempts): peak rss of the "
                  f"measuring process {first['peak_rss_mb']:.1f} → {final['peak_rss_mb']:.1f} MiB, python peak "
                  f"{first['python_peak_mb']:.2f} → {final['python_peak_mb']:.2f} MiB")
        verdict = "PASS" if median < TARGET_SECONDS else "FAIL"
        print(f"target: full item table + KR-20 under {TARGET_SECONDS:.0f} s at {args.attempts:,} attempts on "
              f"{dialect}: {verdict} (median {median:.3f} s)")
        return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
