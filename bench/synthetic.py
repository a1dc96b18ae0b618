"""Synthetic data for the benchmarks: scratch databases, fast bulk inserts, and simulated graded attempts.

Import it after putting the repository root on sys.path (the entry scripts do). The attempts it makes
are what the app itself would store: forms drawn per blueprint, options shown in a shuffled order,
responses graded by `quizbank.domain.grading`, item choices written for the choice types, totals rounded
the way `services.attempts` rounds them. Scores follow a latent-ability model (two-parameter logistic)
so that items discriminate, a few items are flawed on purpose and some distractors are never chosen.
"""

from __future__ import annotations

import json
import math
import os
import random
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from quizbank.config import normalise_database_url
from quizbank.domain import assembly, grading
from quizbank.domain.types import CHOICE_TYPES, ModuleRules, QuestionDraft, QuestionType, Response

ROOT = Path(__file__).resolve().parent.parent
BANKS = ROOT / "quizbank" / "content" / "banks"


# --- scratch databases ---------------------------------------------------------------------------------------

@contextmanager
def scratch_database(server_url: str | None, label: str, *, keep: bool = False) -> Iterator[str]:
    """A database of our own: a SQLite file in a temporary folder, or `quizbank_<label>_<pid>` created on
    the PostgreSQL server that `server_url` names (its own database is only used to create and drop ours)."""
    if not server_url:
        folder = Path(tempfile.mkdtemp(prefix=f"quizbank_{label}_"))
        try:
            yield f"sqlite:///{folder / (label + '.sqlite')}"
        finally:
            if keep:
                print(f"kept {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    admin_url = make_url(normalise_database_url(server_url))
    if not admin_url.drivername.startswith("postgresql"):
        raise SystemExit(f"--database must be a postgresql:// URL, not {admin_url.drivername}")
    name = f"quizbank_{label}_{os.getpid()}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if admin_url.host in LOCAL_HOSTS:  # process ids only mean something on this machine
            _drop_abandoned(conn, label)
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


LOCAL_HOSTS = (None, "", "127.0.0.1", "localhost", "::1")


def abandoned_databases(names: Iterable[str], label: str, is_running: Callable[[int], bool]) -> list[str]:
    """The scratch databases of `label` whose run is gone. A killed run never reaches its clean-up, and its
    database (named after its process id) would otherwise stay on the server for good."""
    prefix = f"quizbank_{label}_"
    return [name for name in names if name.startswith(prefix) and name[len(prefix):].isdigit()
            and not is_running(int(name[len(prefix):]))]


def process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def _drop_abandoned(conn: Connection, label: str) -> None:
    """Drops the abandoned scratch databases of `label`, never by force: one that still has a connection is
    in use after all (a run in another process namespace), and stays."""
    names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                         {"pattern": f"quizbank_{label}_%"}).scalars()
    for name in abandoned_databases(list(names), label, process_running):
        try:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            print(f"dropped {name}, left behind by a run that was killed")
        except DBAPIError:
            pass


def make_app(database_url: str, **overrides: Any) -> Flask:
    """The real app factory on the scratch database (the schema comes from the migrations: `upgrade()`)."""
    from quizbank import create_app

    config: dict[str, Any] = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secrets.token_hex(32)}
    config.update(overrides)
    return create_app(config)


# --- bulk inserts ---------------------------------------------------------------------------------------------

class BulkWriter:
    """Inserts many rows fast: executemany on SQLite, COPY on PostgreSQL. Callers assign the ids, so rows
    of several tables can refer to each other; `finish()` moves PostgreSQL's sequences past them."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.written: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        return int(self.connection.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").scalar() or 1)

    def time(self, value: datetime | None) -> datetime | str | None:
        """A UTC datetime as the column stores it (SQLite: SQLAlchemy's naive text format)."""
        if value is None or self.postgres:
            return value
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        count = 0
        names = ", ".join(f'"{c}"' for c in columns)  # quoted: "references" is a keyword
        if self.postgres:
            raw = self.connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            batch = rows if isinstance(rows, list) else list(rows)
            if not batch:
                return 0
            marks = ", ".join("?" * len(columns))
            self.connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
            count = len(batch)
        self.written[table] = self.written.get(table, 0) + count
        return count

    def finish(self) -> None:
        if self.postgres:
            for table in self.written:
                if table == "login_sessions":
                    continue  # its key is a token, not a sequence
                self.connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


# --- the latent-ability model ----------------------------------------------------------------------------------

DIFFICULTY_LOCATION = {"easy": -2.0, "medium": -1.0, "hard": 0.0}
CRITICAL_SHIFT = -0.8  # safety-critical points are taught and drilled hardest


@dataclass(frozen=True)
class ItemParameters:
    discrimination: float  # the 2PL slope a; a few items get a weak or negative one on purpose
    difficulty: float  # the 2PL location b
    distractor_weights: tuple[float, ...]  # how attractive each wrong option is, in authored order


def item_parameters(drafts: Mapping[int, QuestionDraft], rng: random.Random) -> dict[int, ItemParameters]:
    params = {}
    for version_id, draft in sorted(drafts.items()):
        slope = rng.lognormvariate(0.15, 0.35)
        if rng.random() < 0.06:
            slope = rng.uniform(-0.5, 0.1)  # a flawed item: stronger trainees do no better, or worse
        location = DIFFICULTY_LOCATION.get(draft.difficulty.value, 0.0) + rng.gauss(0.0, 0.5)
        if draft.critical:
            location += CRITICAL_SHIFT
        wrong = [o for o in draft.options if not o.correct]
        weights = [rng.uniform(0.3, 1.0) for _ in wrong]
        if len(weights) > 1 and rng.random() < 0.3:
            weights[rng.randrange(len(weights))] = 0.01  # a distractor (almost) nobody picks
        params[version_id] = ItemParameters(slope, location, tuple(weights))
    return params


def correct_response(draft: QuestionDraft) -> Response:
    if draft.qtype is QuestionType.NUMERIC and draft.numeric is not None:
        return Response(text=f"{draft.numeric.value:g}")
    if draft.qtype is QuestionType.MATCHING:
        return Response(matches=tuple((p.id, p.id) for p in draft.pairs))
    if draft.qtype is QuestionType.ORDERING:
        return Response(selected=tuple(o.id for o in draft.options))
    return Response(selected=tuple(o.id for o in draft.options if o.correct))


def wrong_response(draft: QuestionDraft, params: ItemParameters, rng: random.Random) -> Response:
    if draft.qtype is QuestionType.NUMERIC and draft.numeric is not None:
        return Response(text=f"{draft.numeric.value * 2 + 3:g}")
    if draft.qtype is QuestionType.MATCHING:
        rights = [p.id for p in draft.pairs]
        i, j = rng.sample(range(len(rights)), 2) if len(rights) > 1 else (0, 0)
        rights[i], rights[j] = rights[j], rights[i]
        return Response(matches=tuple((p.id, r) for p, r in zip(draft.pairs, rights, strict=True)))
    if draft.qtype is QuestionType.ORDERING:
        steps = [o.id for o in draft.options]
        i = rng.randrange(len(steps) - 1)
        steps[i], steps[i + 1] = steps[i + 1], steps[i]
        return Response(selected=tuple(steps))
    wrong = [o.id for o in draft.options if not o.correct]
    if not wrong:
        return Response()
    pick = rng.choices(wrong, weights=params.distractor_weights)[0]
    if draft.qtype is QuestionType.MULTIPLE:
        keys = [o.id for o in draft.options if o.correct]
        kept = rng.sample(keys, max(0, len(keys) - 1))
        return Response(selected=tuple(sorted({*kept, pick})))
    return Response(selected=(pick,))


@dataclass
class ModuleForm:
    """What drawing and grading a module's form needs, read once from the database."""

    module_id: int
    code: str
    form_length: int
    time_limit_minutes: int
    rules: ModuleRules
    blueprint: dict[str, int]
    pool_by_competency: dict[str, list[int]]  # published version ids per competency

    def draw(self, rng: random.Random) -> list[int]:
        chosen: list[int] = []
        for code in sorted(self.blueprint):
            chosen.extend(rng.sample(self.pool_by_competency[code], self.blueprint[code]))
        rng.shuffle(chosen)
        return chosen


@dataclass
class IdCounters:
    attempt: int
    item: int
    choice: int


@dataclass
class AttemptRows:
    attempts: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    choices: list[tuple[Any, ...]] = field(default_factory=list)
    passed: int = 0


ATTEMPT_COLUMNS = ("id", "user_id", "module_id", "number", "seed", "status", "started_at", "deadline_at",
                   "submitted_at", "closed_by", "points", "score", "passed", "result")
ITEM_COLUMNS = ("id", "attempt_id", "position", "question_version_id", "display_order", "answer", "flagged",
                "saved_at", "seconds_spent", "score", "attempt_number", "attempt_points", "attempt_submitted_at")
CHOICE_COLUMNS = ("id", "attempt_item_id", "option_id", "question_version_id", "attempt_number", "attempt_points",
                  "attempt_submitted_at")


class AttemptSimulator:
    """Makes graded attempts: each trainee has an ability, each item a slope and a location."""

    def __init__(self, drafts: Mapping[int, QuestionDraft], rng: random.Random, orders_per_item: int = 6) -> None:
        self.drafts = dict(drafts)
        self.params = item_parameters(self.drafts, rng)
        # A handful of shuffles per item, made by the app's own function, reused across attempts.
        self.orders = {vid: [json.dumps(assembly.display_order(d, rng)) for _ in range(orders_per_item)]
                       for vid, d in self.drafts.items()}
        self.correct = {vid: correct_response(d) for vid, d in self.drafts.items()}
        self._answer_json: dict[Response, str] = {}

    def answer_json(self, response: Response) -> str:
        """The stored form of a response (as presentation.response_to_json makes it), cached: they repeat."""
        stored = self._answer_json.get(response)
        if stored is None:
            stored = json.dumps({"selected": list(response.selected), "matches": [list(m) for m in response.matches],
                                 "text": response.text})
            self._answer_json[response] = stored
        return stored

    def respond(self, version_id: int, ability: float, rng: random.Random) -> Response:
        if rng.random() < 0.01:
            return Response()  # left blank
        params = self.params[version_id]
        p_correct = 1.0 / (1.0 + math.exp(-1.7 * params.discrimination * (ability - params.difficulty)))
        if rng.random() < p_correct:
            return self.correct[version_id]
        return wrong_response(self.drafts[version_id], params, rng)

    def graded_attempt(self, rows: AttemptRows, writer: BulkWriter, ids: IdCounters, form: ModuleForm, *,
                       user_id: int, number: int, ability: float, started_at: datetime,
                       rng: random.Random) -> None:
        """Appends one graded attempt (its items and chosen options) to `rows`, ready for `writer`."""
        version_ids = form.draw(rng)
        responses = [self.respond(v, ability, rng) for v in version_ids]
        score = grading.grade([grading.GradableItem(i, self.drafts[v], r)
                               for i, (v, r) in enumerate(zip(version_ids, responses, strict=True), start=1)],
                              form.rules)
        attempt_id = ids.attempt
        ids.attempt += 1
        item_points = [round(item_score.score, 4) for item_score in score.items]
        points = round(sum(item_points), 4)
        spent = [max(5, int(rng.lognormvariate(3.6, 0.5))) for _ in version_ids]
        deadline = started_at + timedelta(minutes=form.time_limit_minutes)
        submitted = min(started_at + timedelta(seconds=sum(spent) + 20), deadline)
        moment = started_at
        for position, (version_id, response, seconds, item_score) in enumerate(
                zip(version_ids, responses, spent, item_points, strict=True), start=1):
            moment += timedelta(seconds=seconds)
            # The attempt's number, total and submission time are copied onto its items and choices at grading.
            rows.items.append((ids.item, attempt_id, position, version_id, rng.choice(self.orders[version_id]),
                               self.answer_json(response), rng.random() < 0.03, writer.time(moment), seconds,
                               item_score, number, points, writer.time(submitted)))
            if self.drafts[version_id].qtype in CHOICE_TYPES:
                for option_id in dict.fromkeys(response.selected):
                    rows.choices.append((ids.choice, ids.item, option_id, version_id, number, points,
                                         writer.time(submitted)))
                    ids.choice += 1
            ids.item += 1
        result = {"competencies": [{"code": c.competency, "items": c.items, "score": c.score, "fraction": c.fraction}
                                   for c in score.competencies], "failed_rules": list(score.failed_rules)}
        rows.attempts.append((attempt_id, user_id, form.module_id, number, rng.getrandbits(31), "graded",
                              writer.time(started_at), writer.time(deadline), writer.time(submitted), "trainee",
                              points, score.fraction, score.passed, json.dumps(result)))
        rows.passed += int(score.passed)

    @staticmethod
    def write(writer: BulkWriter, rows: AttemptRows) -> None:
        writer.insert("attempts", ATTEMPT_COLUMNS, rows.attempts)
        writer.insert("attempt_items", ITEM_COLUMNS, rows.items)
        writer.insert("item_choices", CHOICE_COLUMNS, rows.choices)


def module_forms() -> tuple[dict[str, ModuleForm], dict[int, QuestionDraft]]:
    """Every module's form rules and published pool, and the drafts of all published versions (in an app context)."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload, selectinload

    from quizbank.extensions import db
    from quizbank.models import Module, Question, QuestionVersion, VersionStatus
    from quizbank.services.question_versions import draft_of

    versions = db.session.scalars(
        select(QuestionVersion).join(Question).where(QuestionVersion.status == VersionStatus.PUBLISHED)
        .options(joinedload(QuestionVersion.competency), joinedload(QuestionVersion.question))).all()
    drafts = {v.id: draft_of(v) for v in versions}
    module_of = {v.id: v.question.module_id for v in versions}
    forms = {}
    for module in db.session.scalars(select(Module).options(selectinload(Module.competencies))):
        pool: dict[str, list[int]] = {}
        for vid, draft in sorted(drafts.items()):
            if module_of[vid] == module.id:
                pool.setdefault(draft.competency, []).append(vid)
        forms[module.code] = ModuleForm(
            module.id, module.code, module.form_length, module.time_limit_minutes,
            ModuleRules.from_percents(module.pass_mark_percent, module.require_all_critical,
                                      module.competency_min_percent),
            module.blueprint, pool)
    return forms, drafts


USER_COLUMNS = ("id", "email", "name", "role", "password_hash", "active", "created_at", "password_changed_at")


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MiB."""
    return _status_kb(os.getpid(), "VmHWM") / 1024


def rss_mb(pid: int | None = None) -> float:
    return _status_kb(pid or os.getpid(), "VmRSS") / 1024


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0
