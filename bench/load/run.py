"""Load benchmark (issue 9): a full exam sitting under gunicorn, measured against a bare-Flask ceiling.

    .venv/bin/python bench/load/run.py                                   # SQLite (WAL, synchronous=FULL)
    .venv/bin/python bench/load/run.py --database postgresql://postgres@127.0.0.1:5432/test

Seeds a scratch database (see seed.py), serves the ceiling app and then ours under gunicorn (4 sync
workers on 127.0.0.1), and drives each with wrk (Debian's `apt-get install -y wrk`) and pool.lua:
every request is prepared beforehand the way a browser would send it (session cookie, csrf_token taken
from the page, the fields the question page shows). Each phase is bounded in time (--duration) and in
count (pools that can only be used once stop their thread when spent), and talks only to 127.0.0.1.
See README.md for the figures and what they mean.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import ceiling_app  # noqa: E402
from bench.load.seed import (  # noqa: E402
    ADMIN_EMAIL,
    INSTRUCTOR_EMAIL,
    PASSWORD,
    STAFF_PASSWORD,
    Population,
    Seeded,
    seed,
)
from bench.synthetic import make_app, scratch_database  # noqa: E402

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
LUA = HERE / "pool.lua"
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')
TRAINEE_P99_MS = 150.0
STAFF_CONNECTIONS = 4


def guarded(results: list[Result], phase: Callable[[], Result], name: str) -> None:
    """Runs one phase; a phase that fails is recorded as failed and the run goes on."""
    try:
        results.append(phase())
    except Exception as exc:  # any failure of a phase is a figure to report, not a crash
        print(f"  {name}: FAILED {exc}", flush=True)
        results.append(Result(name, 0.0, 0.0, 0.0, 0, 1, 0, note=f"phase failed: {str(exc)[:200]}"))


# --- a few lines of browser ------------------------------------------------------------------------------------

@dataclass
class Page:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """One cookie (the session), the csrf_token of the last page seen, redirects not followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.csrf = ""

    def go(self, method: str, path: str, form: Sequence[tuple[str, str]] | None = None,
           headers: dict[str, str] | None = None) -> Page:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        body = urlencode(list(form)) if form is not None else None
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            sent["Cookie"] = self.cookie
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("quizbank_session="):
                self.cookie = value.split(";", 1)[0]
        token = CSRF.search(text)
        if token:
            self.csrf = token.group(1) or token.group(2)
        return Page(response.status, response.headers, text)

    def sign_in(self, email: str, password: str) -> Page:
        self.go("GET", "/login")
        page = self.go("POST", "/login", [("csrf_token", self.csrf), ("email", email), ("password", password)])
        if page.status != 302 or "/login" in page.location:
            raise RuntimeError(f"sign-in of {email} failed: {page.status} {page.text[:300]}")
        home = self.go("GET", page.location.replace("http://127.0.0.1", "").split(f":{self.port}", 1)[-1])
        if home.status != 200:
            raise RuntimeError(f"home page after sign-in of {email}: {home.status}")
        return home


def _path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


# --- servers ---------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Gunicorn:
    """A gunicorn we start (and stop, by its own pid) on 127.0.0.1 with N sync workers."""

    def __init__(self, target: str, env: dict[str, str], workers: int, health: str) -> None:
        self.port = free_port()
        self.health = health
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync", "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "120", "--log-level", "warning", target],
            cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited with {self.process.returncode}")
            try:
                if Browser(self.port).go("GET", health).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not answer {health} within 60 s")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def worker_memory(self) -> dict[int, tuple[float, float]]:
        """pid → (current RSS, peak RSS) in MiB, from /proc."""
        found = {}
        for pid in self.worker_pids():
            values = {}
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, rest = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        values[key] = int(rest.split()[0]) / 1024
            except FileNotFoundError:
                continue
            found[pid] = (values.get("VmRSS", 0.0), values.get("VmHWM", 0.0))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# --- wrk phases ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One prepared request: what wrk sends, as a browser would have sent it."""

    method: str
    path: str
    cookie: str = ""
    form: tuple[tuple[str, str], ...] | None = None
    headers: str = ""  # "Name: value;Name: value"

    def encode(self) -> str:
        body = urlencode(list(self.form)) if self.form is not None else ""
        fields = (self.method, self.path, self.cookie, body, self.headers)
        assert not any("\t" in f or "\n" in f for f in fields)
        return "\t".join(fields)


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    responses: int
    errors: int
    connections: int
    ceiling: str = ""
    ratio: float | None = None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "-"
        versus = f" (vs ceiling {self.ceiling})" if self.ceiling else ""
        note = f"  [{self.note}]" if self.note else ""
        return (f"{self.name:<22} rps={self.rps:7.1f}  p50_ms={self.p50_ms:7.1f}  p99_ms={self.p99_ms:7.1f}  "
                f"ratio_to_ceiling={ratio}{versus}  c={self.connections} n={self.responses} "
                f"errors={self.errors}{note}")


@dataclass
class Settings:
    duration: float
    connections: int
    threads: int
    workdir: Path


def settle(port: int, path: str, quiet_ms: float = 30.0, limit_s: float = 180.0) -> float:
    """Waits until the server is idle again: when wrk stops, requests it already sent are still queued in
    the listen backlog and keep the workers busy. Returns the seconds waited."""
    started = time.perf_counter()
    quiet = 0
    while quiet < 3 and time.perf_counter() - started < limit_s:
        before = time.perf_counter()
        with contextlib.suppress(OSError):
            Browser(port).go("GET", path)
        quiet = quiet + 1 if (time.perf_counter() - before) * 1000 < quiet_ms else 0
        time.sleep(0.1)
    waited = time.perf_counter() - started
    if quiet < 3:
        print(f"  (the server was still busy {waited:.0f} s after the phase: the next figures are disturbed)")
    elif waited > 5:
        print(f"  (the server needed {waited:.0f} s to finish the requests queued during the phase)")
    return waited


def run_wrk(settings: Settings, port: int, name: str, lines: Sequence[Line], *, once: bool = False,
            statuses: str = "200", expect: str = "", where: str = "body", connections: int | None = None,
            duration: float | None = None, health: str = "/healthz", indent: str = "  ") -> Result:
    if not lines:
        raise RuntimeError(f"{name}: nothing to send")
    connections = connections or settings.connections
    threads = min(settings.threads, connections)
    duration = duration or settings.duration
    pool_file = settings.workdir / f"{re.sub(r'[^a-z0-9]+', '_', name.lower())}.tsv"
    lines = list(lines) * max(1, -(-threads // len(lines)))  # every thread gets lines: none may idle
    pool_file.write_text("\n".join(line.encode() for line in lines) + "\n")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "20s", "-s", str(LUA),
               f"http://127.0.0.1:{port}", "--", str(pool_file), "once" if once else "cycle", str(threads),
               statuses, expect, where]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 90, check=False)
    found = re.search(r"^QBRESULT (\{.*\})$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed for {name}:\n{completed.stdout}\n{completed.stderr}")
    raw = json.loads(found.group(1))
    errors = raw["bad"] + raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"]
    result = Result(name, raw["rps"], raw["p50_us"] / 1000, raw["p99_us"] / 1000, raw["responses"],
                    errors, connections, raw=raw)
    notes = []
    if raw["threads_ran_out"]:
        notes.append(f"pool ran out in {raw['threads_ran_out']} thread(s): rps counted up to then, "
                     "latency includes repeats")
    if raw["bad"]:
        notes.append(f"first bad response: {raw['sample'][:160]}")
    result.note = "; ".join(notes)
    print(indent + result.line(), flush=True)
    settle(port, health)
    return result


CEILING = {  # key: (name, requests)
    "ping": ("ceiling ping", [Line("GET", "/ping")]),
    "read": ("ceiling one-row read", [Line("GET", "/read")]),
    "page": ("ceiling Jinja page", [Line("GET", "/page")]),
    "write": ("ceiling one-row write", [Line("POST", "/write", form=(("id", str(n)),)) for n in range(1, 1001)]),
}


class Ceiling:
    """The ceiling app under the same gunicorn settings, kept running (idle) beside ours, so that each of
    our phases is compared with its matching ceiling endpoint measured just before and just after it."""

    def __init__(self, settings: Settings, url: str, workers: int) -> None:
        ceiling_app.prepare(url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZBANK_")}
        env["BENCH_CEILING_DATABASE_URL"] = url
        self.settings = settings
        self.server = Gunicorn("bench.load.ceiling_app:app", env, workers, "/ping")

    def measure(self, key: str, *, duration: float | None = None, connections: int | None = None,
                indent: str = "  ") -> Result:
        name, lines = CEILING[key]
        return run_wrk(self.settings, self.server.port, name, lines, duration=duration, connections=connections,
                       health="/ping", indent=indent)

    def stop(self) -> dict[int, tuple]:
        memory = self.server.worker_memory()
        self.server.stop()
        return memory


ROUNDS = 3  # slices of each of our phases, each between two runs of the matching ceiling endpoint
CEILING_SLICE_S = 2.0


def merged(name: str, parts: Sequence[Result]) -> Result:
    """One phase's figures from its slices: the rate over their summed time, and the percentiles of all
    their responses together (from each slice's table of percentiles, weighted by its responses)."""
    responses = sum(p.responses for p in parts)
    elapsed = sum(p.responses / p.rps for p in parts if p.rps)
    tables = [(p.responses, p.raw["min_us"], p.raw["percentiles_us"], p.raw["max_us"]) for p in parts if p.responses]
    notes = "; ".join(f"slice {n}: {p.note}" for n, p in enumerate(parts, start=1) if p.note)
    return Result(name, responses / elapsed if elapsed else 0.0, merged_percentile(tables, 50) / 1000,
                  merged_percentile(tables, 99) / 1000, responses, sum(p.errors for p in parts),
                  parts[0].connections, note=notes, raw={"slices": [p.raw for p in parts]})


def merged_percentile(tables: Sequence[tuple[int, int, Sequence[Sequence[float]], int]], q: float) -> float:
    """The q-th percentile of several runs' latencies together: each run's distribution is read off its
    percentile table (linear between the points), and the mixture, weighted by responses, is inverted."""
    if not tables:
        return 0.0
    total = sum(count for count, *_ in tables)

    def share_below(x: float) -> float:
        below = 0.0
        for count, low, points, high in tables:
            curve = [(0.0, float(low)), *((float(p), float(v)) for p, v in points), (100.0, float(high))]
            fraction = 100.0
            for (p0, v0), (p1, v1) in pairwise(curve):
                if x < v1:
                    fraction = p0 if v1 == v0 or x <= v0 else p0 + (p1 - p0) * (x - v0) / (v1 - v0)
                    break
            below += count * fraction
        return below / total

    low, high = float(min(t[1] for t in tables)), float(max(t[3] for t in tables))
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if share_below(middle) < q else (low, middle)
    return high


# --- our app: preparing sessions and requests -------------------------------------------------------------------

@dataclass
class Session:
    email: str
    cookie: str
    csrf: str


def sign_in_many(port: int, emails: Iterable[str], password: str, threads: int = 6) -> list[Session]:
    def one(email: str) -> Session:
        browser = Browser(port)
        browser.sign_in(email, password)
        return Session(email, browser.cookie, browser.csrf)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, emails))


def pre_login(port: int, email: str, password: str) -> Line:
    """What a browser posts to /login after loading the form: its cookie, the form's token, the credentials."""
    browser = Browser(port)
    browser.go("GET", "/login")
    return Line("POST", "/login", browser.cookie,
                (("csrf_token", browser.csrf), ("email", email), ("password", password)))


CHOICE = re.compile(r'<input[^>]*name="choice"[^>]*value="(\d+)"')
SELECT = re.compile(r'<select[^>]*name="((?:pos|match)_\d+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="(\d+)"')


def answer_from_page(html: str, rng: random.Random) -> list[tuple[str, str]]:
    """Fills in a question page as a trainee would, from the fields the page shows."""
    choices = CHOICE.findall(html)
    if choices:
        return [("choice", rng.choice(choices))]
    selects = SELECT.findall(html)
    if selects:
        fields = []
        places = list(range(1, len(selects) + 1))
        rng.shuffle(places)
        for (name, options), place in zip(selects, places, strict=True):
            values = OPTION.findall(options)
            fields.append((name, str(place) if name.startswith("pos_") else rng.choice(values)))
        return fields
    if 'name="number"' in html:
        return [("number", str(rng.randint(1, 60)))]
    raise RuntimeError("a question page without any answer field")


def full_sitting(port: int, email: str, password: str, module: str, rng: random.Random) -> dict[str, float]:
    """One trainee's whole sitting, step by step, checking every page: the flow the phases then load."""
    browser = Browser(port)
    timings: dict[str, float] = {}

    def step(name: str, action: Callable[[], Page], status: int, needle: str = "") -> Page:
        started = time.perf_counter()
        page = action()
        timings[name] = timings.get(name, 0.0) + (time.perf_counter() - started) * 1000
        haystack = page.location if status == 302 else page.text
        if page.status != status or needle not in haystack:
            raise RuntimeError(f"full sitting, {name}: {page.status} {page.location} {page.text[:400]}")
        return page

    step("log in", lambda: browser.sign_in(email, password), 200, "Your modules")
    step("module page", lambda: browser.go("GET", f"/trainee/modules/{module}"), 200, "csrf_token")
    started = step("start attempt", lambda: browser.go("POST", f"/trainee/modules/{module}/start",
                                                       [("csrf_token", browser.csrf)]), 302, "/q/1")
    base = _path(started.location).rsplit("/q/", 1)[0]
    position = 1
    while True:
        page = step("open question", lambda p=position: browser.go("GET", f"{base}/q/{p}"), 200, 'id="answer-form"')
        total = int(re.search(r"Question \d+ of (\d+)", page.text).group(1))  # type: ignore[union-attr]
        form = [("csrf_token", browser.csrf), ("spent", "20"), *answer_from_page(page.text, rng)]
        step("autosave", lambda f=form, p=position: browser.go("POST", f"{base}/q/{p}", f, {"X-Autosave": "1"}),
             200, '"saved":true')
        if position >= total:
            break
        position += 1
    step("overview", lambda: browser.go("GET", base), 200, "csrf_token")
    step("submit", lambda: browser.go("POST", f"{base}/submit", [("csrf_token", browser.csrf)]), 302, "/result")
    step("review", lambda: browser.go("GET", f"{base}/result"), 200, "Review")
    timings["questions"] = position
    return timings


@dataclass
class PinnedItem:
    attempt_id: int
    user_id: int
    position: int
    item_id: int
    answer_form: tuple[tuple[str, str], ...]  # the fields a trainee's browser posts for this item
    answered: bool


def pinned_items(app: Any, module: str, user_ids: set[int], rng: random.Random) -> list[PinnedItem]:
    """The in-progress attempts the start phase created, item by item, with an answer for each (80% right),
    written as the question page's fields (indices into the shuffled display order)."""
    from sqlalchemy import select

    from quizbank.domain.types import QuestionType
    from quizbank.extensions import db
    from quizbank.models import Attempt, AttemptItem, AttemptStatus, Module
    from quizbank.services.pinned_drafts import drafts_of_versions

    with app.app_context():
        rows = db.session.execute(
            select(Attempt.id, Attempt.user_id, AttemptItem.id, AttemptItem.position, AttemptItem.question_version_id,
                   AttemptItem.display_order, AttemptItem.answer)
            .join(AttemptItem, AttemptItem.attempt_id == Attempt.id).join(Module)
            .where(Module.code == module, Attempt.status == AttemptStatus.IN_PROGRESS)
            .order_by(Attempt.id, AttemptItem.position)).all()
        rows = [r for r in rows if r[1] in user_ids]
        drafts = drafts_of_versions(sorted({r[4] for r in rows}))
        db.session.remove()
    items = []
    for attempt_id, user_id, item_id, position, version_id, order, answer in rows:
        draft = drafts[version_id]
        right = rng.random() < 0.8
        if draft.qtype is QuestionType.NUMERIC and draft.numeric is not None:
            fields = [("number", f"{draft.numeric.value:g}" if right else "999")]
        elif draft.qtype is QuestionType.MATCHING:
            fields = [(f"match_{i}", str(order.index(p.id))) for i, p in enumerate(draft.pairs)]
        elif draft.qtype is QuestionType.ORDERING:
            place = {o.id: n for n, o in enumerate(draft.options, start=1)}
            fields = [(f"pos_{i}", str(place[oid])) for i, oid in enumerate(order)]
        else:
            keys = [i for i, oid in enumerate(order) if any(o.id == oid and o.correct for o in draft.options)]
            picked = keys if right else [rng.randrange(len(order))]
            fields = [("choice", str(i)) for i in (picked if draft.qtype is QuestionType.MULTIPLE else picked[:1])]
        items.append(PinnedItem(attempt_id, user_id, position, item_id, tuple(fields), bool(answer)))
    return items


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def fill_unanswered(app: Any, items: Sequence[PinnedItem]) -> int:
    """Stores the answers the autosave phase did not reach, exactly as save_answer would store them, so
    every submitted attempt carries 25 answers."""
    from datetime import UTC, datetime

    from sqlalchemy import select, update

    from quizbank.domain import presentation
    from quizbank.extensions import db
    from quizbank.models import AttemptItem
    from quizbank.services.pinned_drafts import drafts_of_versions
    from quizbank.services.unit_of_work import write_transaction

    with app.app_context():
        # Read by attempt (a few thousand ids), not by item: PostgreSQL takes at most 65,535 parameters.
        rows = [row for attempt_ids in _chunks(sorted({p.attempt_id for p in items}), 5000)
                for row in db.session.execute(
                    select(AttemptItem.id, AttemptItem.answer, AttemptItem.question_version_id,
                           AttemptItem.display_order).where(AttemptItem.attempt_id.in_(attempt_ids)))]
        answered = {i for i, a, _v, _o in rows if a}
        todo = [p for p in items if p.item_id not in answered]
        stored = {i: (v, o) for i, _a, v, o in rows}
        drafts = drafts_of_versions(sorted({v for v, _o in stored.values()}))
        now = datetime.now(UTC)
        with write_transaction():
            for item in todo:
                version_id, order = stored[item.item_id]
                form: dict[str, list[str]] = {}
                for name, value in item.answer_form:
                    form.setdefault(name, []).append(value)
                response = presentation.response_from_form(drafts[version_id], order, form)
                db.session.execute(update(AttemptItem).where(AttemptItem.id == item.item_id)
                                   .values(answer=presentation.response_to_json(response), saved_at=now,
                                           seconds_spent=30))
        db.session.remove()
    return len(todo)


def absorb_setup_writes(app: Any) -> None:
    """After a bulk setup step (seeding, topping up attempts, storing the answers autosave did not reach), puts
    the database where it would be had those writes been spread over a real sitting, so that no phase pays
    for the setup's own writes. SQLite: moves the write-ahead log into the database file and truncates it
    (otherwise the next phase's requests copy the setup's tens of megabytes). PostgreSQL: vacuums the
    attempts and their items (otherwise autovacuum cleans up the setup's 100,000-odd updated rows in the
    middle of a phase, on one of the two cores)."""
    from sqlalchemy import text

    from quizbank.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            raw = db.engine.raw_connection()  # autocommit: a checkpoint cannot run inside a transaction
            try:
                busy, _frames, _moved = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.close()
            if busy:
                print("  (the write-ahead log could not be folded in: a reader held it)", flush=True)
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) attempts, attempt_items"))
        db.session.remove()


def start_remaining(app: Any, module: str, user_ids: Iterable[int]) -> int:
    """Starts (through the app's own service) the attempts the start phase did not reach, so the later
    phases have one in-progress attempt per signed-in trainee and the submit pool outlasts its phase."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from quizbank.extensions import db
    from quizbank.models import Attempt, AttemptStatus, Module
    from quizbank.services.attempts import open_attempt

    with app.app_context():
        active = set(db.session.scalars(select(Attempt.user_id).join(Module).where(
            Module.code == module, Attempt.status == AttemptStatus.IN_PROGRESS)))
        todo = [u for u in user_ids if u not in active]
        for user_id in todo:
            open_attempt(user_id, module, now=datetime.now(UTC), grace_seconds=30)
            db.session.remove()
    return len(todo)


def attempt_ids_graded(app: Any, attempt_ids: Sequence[int]) -> list[int]:
    from sqlalchemy import select

    from quizbank.extensions import db
    from quizbank.models import Attempt, AttemptStatus

    with app.app_context():
        graded = list(db.session.scalars(select(Attempt.id).where(
            Attempt.id.in_(list(attempt_ids)), Attempt.status == AttemptStatus.GRADED)))
        db.session.remove()
    return graded


def user_ids_by_email(app: Any, emails: Sequence[str]) -> dict[str, int]:
    from sqlalchemy import select

    from quizbank.extensions import db
    from quizbank.models import User

    with app.app_context():
        found = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(list(emails)))).all())
        db.session.remove()
    return found


def timed_pages(port: int, name: str, cookie: str, paths: Sequence[str], expect: str, repeats: int = 3) -> Result:
    """Server time of each page, one request at a time (nothing queued): p50 is the median over all the
    requests, p99 column the slowest; the note lists each page's median."""
    samples: dict[str, list[float]] = {}
    errors = 0
    for _ in range(repeats):
        for path in paths:
            if any(t > 5000 for t in samples.get(path, ())):
                continue  # a page that took seconds is not asked again: once is figure enough
            browser = Browser(port)
            browser.cookie = cookie
            started = time.perf_counter()
            try:
                page = browser.go("GET", path)
                ok = page.status == 200 and expect in page.text
            except OSError:
                ok = False
            errors += not ok
            samples.setdefault(path, []).append((time.perf_counter() - started) * 1000)
    everything = sorted(t for times in samples.values() for t in times)
    median = everything[len(everything) // 2] if everything else 0.0
    per_page = "; ".join(f"{p.split('?', 1)[-1] or 'no filter'} {sorted(t)[len(t) // 2]:.0f} ms"
                         for p, t in samples.items())
    result = Result(name, 1000 / (sum(everything) / len(everything)) if everything else 0.0, median,
                    everything[-1] if everything else 0.0, len(everything), errors, 1, note=per_page)
    print("  " + result.line(), flush=True)
    return result


def statistics_after_the_sitting(app: Any, port: int, cookie: str, module_code: str) -> dict[str, float]:
    """The module's item statistics page, opened twice by an instructor right after the sitting.

    Grading leaves the statistics copies (each item's total and time, each chosen option) to be written
    later: the first view writes those of every attempt graded since (as a cron run of `flask quizbank
    write-statistics-copies` would), the second finds none left. So the first view is the cost the submits
    no longer pay, made once, and the second the statistics alone."""
    from quizbank.extensions import db
    from quizbank.services.statistics_copies import pending_count

    with app.app_context():
        pending = pending_count()
        db.session.remove()
    views = []
    for _ in range(2):
        browser = Browser(port)
        browser.cookie = cookie
        started = time.perf_counter()
        page = browser.go("GET", f"/instructor/statistics/{module_code}")
        if page.status != 200 or "Item statistics" not in page.text:
            raise RuntimeError(f"item statistics page: status {page.status}")
        views.append(time.perf_counter() - started)
    with app.app_context():
        left = pending_count()
        db.session.remove()
    figures = {"attempts_caught_up": pending - left, "first_view_s": views[0], "second_view_s": views[1],
               "catch_up_ms_per_attempt": (views[0] - views[1]) * 1000 / max(1, pending - left)}
    print(f"  item statistics of {module_code} after the sitting: the first view wrote the statistics copies of "
          f"{pending - left:,} graded attempts and took {views[0]:.2f} s, the next {views[1]:.2f} s "
          f"(about {figures['catch_up_ms_per_attempt']:.1f} ms of copies per attempt)", flush=True)
    return figures


def csv_download(port: int, cookie: str, path: str, limit_s: float = 60.0) -> dict[str, float]:
    """Streams a CSV export: seconds to the first and the last byte, bytes and rows; gives up after limit_s."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=limit_s)
    started = time.perf_counter()
    first = None
    size = lines = 0
    finished = False
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"CSV export answered {response.status}")
        while time.perf_counter() - started < limit_s:
            chunk = response.read1(65536)
            if not chunk:
                finished = True
                break
            first = first or time.perf_counter()
            size += len(chunk)
            lines += chunk.count(b"\n")
    except TimeoutError:
        pass
    finally:
        connection.close()
    return {"first_byte_s": (first or started) - started, "total_s": time.perf_counter() - started,
            "bytes": size, "rows": max(0, lines - 1), "finished": finished}


# --- the run ---------------------------------------------------------------------------------------------------

def our_results(settings: Settings, app: Any, url: str, seeded: Seeded, args: argparse.Namespace,
                ceiling: Ceiling) -> tuple[list[Result], dict[str, Any], dict[int, tuple]]:
    rng = random.Random(7)
    limit = "1000000 per minute"  # the limits stay on, set high: the benchmark logs in hundreds of times a minute
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZBANK_")}
    env.update(QUIZBANK_DATABASE_URL=url, QUIZBANK_SECRET_KEY=secrets.token_hex(32),
               QUIZBANK_LOGIN_LIMIT_PER_ACCOUNT=limit, QUIZBANK_LOGIN_LIMIT_PER_ADDRESS=limit)
    if args.redis:
        env["QUIZBANK_RATELIMIT_STORAGE_URI"] = args.redis
    server = Gunicorn("app:app", env, args.workers, "/healthz")
    extra: dict[str, Any] = {"memory_at_start": server.worker_memory()}
    results: list[Result] = []

    def vs(name: str, lines: Sequence[Line], key: str, *, connections: int | None = None, **wrk: Any) -> Result:
        """Our phase in ROUNDS slices, each between two short runs of the matching ceiling endpoint (ceiling,
        ours, ceiling, ours, …, ceiling): the ratio is to the mean of the ceiling's runs, so the machine's
        drift in speed while the phase runs cancels out. A pool that can only be used once (`once`) is
        dealt out between the slices, so no request is sent twice."""
        slice_s = max(2, round(settings.duration / ROUNDS))  # wrk takes whole seconds
        references = [ceiling.measure(key, duration=CEILING_SLICE_S, connections=connections, indent="    (ceiling) ")]
        parts = []
        for n in range(ROUNDS):
            share = list(lines[n::ROUNDS]) if wrk.get("once") else lines
            parts.append(run_wrk(settings, port, f"{name}, slice {n + 1} of {ROUNDS}", share, duration=slice_s,
                                 connections=connections, indent="    ", **wrk))
            references.append(ceiling.measure(key, duration=CEILING_SLICE_S, connections=connections,
                                              indent="    (ceiling) "))
        result = merged(name, parts)
        mean = statistics.fmean(r.rps for r in references)
        result.ceiling = f"{key} {mean:.0f} rps, mean of {'/'.join(f'{r.rps:.0f}' for r in references)}"
        result.ratio = result.rps / mean if mean else None
        result.raw["ceiling_rps"] = [r.rps for r in references]
        print("  " + result.line(), flush=True)
        return result

    try:
        port = server.port
        first_pool = seeded.login_trainees
        sitting_email = seeded.trainee_emails[-1]
        print("  a full sitting, page by page (one trainee, checks every step):", flush=True)
        sitting = full_sitting(port, sitting_email, PASSWORD, "SAF", rng)
        print("    " + ", ".join(f"{k} {v:.0f} ms" if k != "questions" else f"{v:.0f} questions"
                                 for k, v in sitting.items()), flush=True)
        extra["sitting_ms"] = sitting

        started = time.perf_counter()
        pool_emails = seeded.trainee_emails[first_pool:first_pool + args.pool]
        sessions = sign_in_many(port, pool_emails, PASSWORD)
        login_lines = [pre_login(port, email, PASSWORD) for email in seeded.trainee_emails[:first_pool]]
        staff = {email: sign_in_many(port, [email], STAFF_PASSWORD)[0] for email in (INSTRUCTOR_EMAIL, ADMIN_EMAIL)}
        ids = user_ids_by_email(app, [s.email for s in sessions])
        print(f"  prepared {len(sessions)} signed-in trainees, {len(login_lines)} login forms and the staff "
              f"sessions in {time.perf_counter() - started:.1f}s", flush=True)

        guarded(results, lambda: vs("login (argon2id)", login_lines, "write", statuses="302", expect="/trainee",
                                    where="location"), "login (argon2id)")
        results[-1].note = (results[-1].note + "; " if results[-1].note else "") + \
            "production argon2id: 19 MiB, 3 passes per sign-in"
        guarded(results, lambda: vs("dashboard", [Line("GET", "/trainee/", s.cookie) for s in sessions], "page",
                                    expect="Your modules"), "dashboard")
        guarded(results, lambda: vs("start attempt", [
            Line("POST", "/trainee/modules/SAF/start", s.cookie, (("csrf_token", s.csrf),)) for s in sessions],
            "write", once=True, statuses="302", expect="/q/1", where="location"), "start attempt")

        by_user = {ids[s.email]: s for s in sessions}
        topped = start_remaining(app, "SAF", by_user)
        absorb_setup_writes(app)
        items = pinned_items(app, "SAF", set(by_user), rng)
        attempts = sorted({i.attempt_id for i in items})
        print(f"  {len(attempts)} SAF attempts in progress ({len(items)} items pinned; {topped} started through "
              "the service after the start phase)", flush=True)
        # Position-major order: concurrent requests go to different trainees, as in a real sitting.
        ordered = sorted(items, key=lambda i: (i.position, i.attempt_id))
        guarded(results, lambda: vs("question page", [
            Line("GET", f"/trainee/attempts/{i.attempt_id}/q/{i.position}", by_user[i.user_id].cookie)
            for i in ordered], "page", expect='id="answer-form"'), "question page")
        guarded(results, lambda: vs("autosave", [
            Line("POST", f"/trainee/attempts/{i.attempt_id}/q/{i.position}", by_user[i.user_id].cookie,
                 (("csrf_token", by_user[i.user_id].csrf), ("spent", "35"), *i.answer_form),
                 "X-Autosave: 1;Accept: application/json") for i in ordered], "write", expect='"saved":true'),
                "autosave")
        filled = fill_unanswered(app, items)
        absorb_setup_writes(app)
        print(f"  stored the {filled} answers autosave did not reach (as save_answer stores them)", flush=True)
        owner = {i.attempt_id: by_user[i.user_id] for i in items}
        guarded(results, lambda: vs("submit + grade (25)", [
            Line("POST", f"/trainee/attempts/{a}/submit", owner[a].cookie, (("csrf_token", owner[a].csrf),))
            for a in attempts], "write", once=True, statuses="302", expect="/result", where="location"),
                "submit + grade (25)")
        graded = attempt_ids_graded(app, attempts)
        guarded(results, lambda: vs("review", [
            Line("GET", f"/trainee/attempts/{a}/result", owner[a].cookie) for a in graded], "page", expect="Review"),
            "review")

        # Staff pages: a handful of instructors and admins, not a cohort. One connection gives the server
        # time of a page; STAFF_CONNECTIONS the throughput.
        instructor = staff[INSTRUCTOR_EMAIL]
        bank_lines = [Line("GET", p, instructor.cookie) for p in (
            "/instructor/questions", *(f"/instructor/questions?page={p}" for p in (2, 10, 50, 100)),
            "/instructor/questions?module=SAF", "/instructor/questions?status=published&sort=id&dir=desc",
            "/instructor/questions?q=needle", "/instructor/questions?type=multiple&module=TEC")]
        guarded(results, lambda: timed_pages(port, "bank list c=1", instructor.cookie, [b.path for b in bank_lines],
                                             "Questions"), "bank list c=1")
        guarded(results, lambda: vs("instructor bank list", bank_lines, "page", connections=STAFF_CONNECTIONS,
                                    expect="Questions"), "instructor bank list")
        extra["statistics"] = statistics_after_the_sitting(app, port, instructor.cookie, "SAF")

        admin = staff[ADMIN_EMAIL]
        cohort = seeded.cohort_id
        dashboard_lines = [Line("GET", f"/admin/certification?cohort={cohort}{query}", admin.cookie) for query in (
            "", "&status=certified", "&status=expiring&sort=expires", "&status=in_progress&sort=email&dir=desc",
            "&q=okafor", "&per_page=100")]
        guarded(results, lambda: timed_pages(port, "admin dashboard c=1", admin.cookie,
                                             [d.path for d in dashboard_lines], "cert-table"), "admin dashboard c=1")
        guarded(results, lambda: vs("admin dashboard", dashboard_lines, "page", connections=STAFF_CONNECTIONS,
                                    expect="cert-table"), "admin dashboard")

        downloads = []
        for _ in range(2):
            downloads.append(csv_download(port, admin.cookie, f"/admin/certification.csv?cohort={cohort}"))
            settle(port, "/healthz")
        csv = max(downloads, key=lambda d: d["total_s"])
        extra["csv"] = csv
        print(f"  certification CSV: {csv['rows']:,} rows, {csv['bytes'] / 1e6:.1f} MB, first byte "
              f"{csv['first_byte_s'] * 1000:.0f} ms, last byte {csv['total_s']:.2f} s (slower of {len(downloads)})"
              + ("" if csv["finished"] else " — STOPPED, not finished within the limit"), flush=True)
        memory = server.worker_memory()
    finally:
        server.stop()
    return results, extra, memory


def verdicts(results: dict[str, Result], extra: dict[str, Any],
             memory: dict[int, tuple]) -> list[tuple[str, bool, str]]:
    out = []

    def add(label: str, ok: bool, detail: str) -> None:
        out.append((label, ok, detail))

    def ratio(name: str, least: float, key: str) -> None:
        r = results[name]
        add(f"{name} ≥ {least} × ceiling {key} (measured just before and after)", (r.ratio or 0) >= least,
            f"{r.ratio:.2f} ({r.rps:.0f} / {r.ceiling})" if r.ratio is not None else "not measured")

    ratio("question page", 0.6, "Jinja page")
    ratio("autosave", 0.5, "write")
    ratio("submit + grade (25)", 0.35, "write")
    trainee = ["dashboard", "start attempt", "question page", "autosave", "submit + grade (25)", "review"]
    worst = max(trainee, key=lambda n: results[n].p99_ms)
    add(f"p99 of trainee endpoints < {TRAINEE_P99_MS:.0f} ms at {results[worst].connections} connections",
        results[worst].p99_ms < TRAINEE_P99_MS,
        "; ".join(f"{n} {results[n].p99_ms:.0f}" for n in trainee))
    errors = {n: r.errors for n, r in results.items() if r.errors}
    add("zero errors", not errors, ", ".join(f"{n}: {e}" for n, e in errors.items()) or "none")
    admin = results["admin dashboard c=1"]
    add("admin dashboard first page of the 10,000-trainee cohort, with filters, < 100 ms server time (every "
        "filter's median, one request at a time)", admin.responses > 0 and _slowest_median(admin) < 100,
        f"slowest filter {_slowest_median(admin):.0f} ms; {admin.note}")
    csv = extra["csv"]
    add("CSV of 10,000 rows streamed in < 3 s", csv["finished"] and csv["rows"] >= 10_000 and csv["total_s"] < 3,
        f"{csv['rows']:,} rows in {csv['total_s']:.2f} s" + ("" if csv["finished"] else " (stopped unfinished)"))
    peak = max((hwm for _rss, hwm in memory.values()), default=0.0)
    add("peak RSS per worker < 150 MB (10^6 bytes)", peak * 2**20 < 150e6,
        f"max {peak * 2**20 / 1e6:.0f} MB ({peak:.0f} MiB)")
    return out


def _slowest_median(result: Result) -> float:
    return max((float(m) for m in re.findall(r"(\d+) ms", result.note)), default=float("inf"))


def _memory(memory: dict[int, tuple]) -> str:
    return ", ".join(f"{rss:.0f}/{hwm:.0f}" for rss, hwm in sorted(memory.values(), key=lambda m: m[1]))


def markdown(label: str, command: str, results: Sequence[Result], extra: dict[str, Any],
             memory: dict[int, tuple], checks: Sequence[tuple[str, bool, str]], load: str) -> str:
    rows = ["| endpoint | rps | p50 ms | p99 ms | ratio to ceiling | errors |", "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        ratio = f"{r.ratio:.2f} ({r.ceiling})" if r.ratio is not None else "–"
        rows.append(f"| {r.name} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {ratio} | {r.errors} |")
    csv = extra.get("csv", {})
    stats = extra.get("statistics", {})
    peaks = _memory(memory)
    checks_md = "\n".join(f"- {'PASS' if ok else 'FAIL'} — {name}: {detail}" for name, ok, detail in checks)
    return (f"#### {label}\n\n`{command}`\n\n" + "\n".join(rows) +
            f"\n\nItem statistics of SAF after the sitting: the first view wrote the copies of "
            f"{stats.get('attempts_caught_up', 0):,} attempts in {stats.get('first_view_s', 0):.2f} s, the next "
            f"took {stats.get('second_view_s', 0):.2f} s."
            f"\n\nCSV: {csv.get('rows', 0):,} rows in {csv.get('total_s', 0):.2f} s; RSS per worker after the run, "
            f"MiB (current/peak): "
            f"{peaks}; load average before the run: {load}.\n\n{checks_md}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="PostgreSQL URL (a scratch database is made beside it); default SQLite")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase (10: three slices of 3 s)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers, ours and the ceiling's (4)")
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--past-attempts", type=int, default=50_000)
    parser.add_argument("--extra-questions", type=int, default=3_000)
    parser.add_argument("--pool", type=int, default=6000, help="signed-in trainees who sit SAF during the run")
    parser.add_argument("--redis", help="rate-limit storage for our app, e.g. redis://127.0.0.1:6379")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    command = ".venv/bin/python bench/load/run.py" + (" --database " + args.database if args.database else "") + \
        (" --redis " + args.redis if args.redis else "")
    label = ("PostgreSQL" if args.database else "SQLite (WAL, synchronous=FULL)") + \
        (", rate limits in Redis" if args.redis else "")
    print(f"load benchmark on {label}; load average {load_before}; {os.cpu_count()} CPUs", flush=True)
    with scratch_database(args.database, "load", keep=args.keep) as url, \
            tempfile.TemporaryDirectory(prefix="quizbank_wrk_") as workdir:
        settings = Settings(args.duration, args.connections, args.threads, Path(workdir))
        started = time.perf_counter()
        app = make_app(url)
        seeded = seed(app, Population(trainees=args.trainees, past_attempts=args.past_attempts,
                                      extra_questions=args.extra_questions))
        print(f"seeded in {time.perf_counter() - started:.0f}s: " +
              ", ".join(f"{k} {v:,}" for k, v in seeded.counts.items()), flush=True)
        for step, seconds in seeded.seconds.items():
            print(f"  {step}: {seconds}s")
        print(f"ceiling (bench/load/ceiling_app.py, gunicorn {args.workers} sync workers):", flush=True)
        absorb_setup_writes(app)
        ceiling_server = Ceiling(settings, url, args.workers)
        try:
            ceiling = {key: ceiling_server.measure(key) for key in CEILING}
            print(f"quizbank (app:app, gunicorn {args.workers} sync workers; each phase right after the matching "
                  "ceiling endpoint):", flush=True)
            ours, extra, memory = our_results(settings, app, url, seeded, args, ceiling_server)
        finally:
            ceiling_memory = ceiling_server.stop()
        by_name = {r.name: r for r in ours}
        checks = verdicts(by_name, extra, memory)
        print("\nresults")
        for r in [*ceiling.values(), *ours]:
            print(r.line())
        print("RSS per worker, MiB (current / peak): ours at start " + _memory(extra["memory_at_start"]) +
              "; ours after the run " + _memory(memory) + "; ceiling after its run " + _memory(ceiling_memory))
        print("\ntargets")
        for name, ok, detail in checks:
            print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
        load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"load average after: {load_after}")
        print("\n" + markdown(label, command, [*ceiling.values(), *ours], extra, memory, checks, load_before))
        if args.json:
            args.json.write_text(json.dumps({
                "database": label, "ceiling": {k: vars(v) for k, v in ceiling.items()},
                "ours": [vars(r) for r in ours], "extra": extra, "checks": checks,
                "worker_memory_mib": memory, "ceiling_worker_memory_mib": ceiling_memory}, indent=2, default=str))
        return 0 if all(ok for _n, ok, _d in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
