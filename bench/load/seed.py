"""The load benchmark's population: the 7 bundled modules (plus cloned questions, so a bank runs to
thousands), 10,000 trainees in one cohort, 50,000 graded past attempts, certificates and sign-offs.

The schema, banks, track and staff accounts go through the app's own services; the bulk (trainees,
attempts, items, choices, certificates) through fast bulk inserts of what those services would store.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select, text

from bench.synthetic import (
    USER_COLUMNS,
    AttemptRows,
    AttemptSimulator,
    BulkWriter,
    IdCounters,
    module_forms,
)

PASSWORD = "bench trainee passphrase 2026"  # the benchmark's synthetic accounts
STAFF_PASSWORD = "bench staff passphrase 2026"
ADMIN_EMAIL = "admin@bench.quizbank"
INSTRUCTOR_EMAIL = "instructor@bench.quizbank"
BIG_COHORT = "Bench cohort 2026"
# Trainees the live sitting logs in get a cheap argon2id hash (verification reads the cost from the hash),
# so preparing 1,000+ sessions takes seconds; the login phase uses trainees with the production cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Population:
    trainees: int = 10_000
    past_attempts: int = 50_000
    extra_questions: int = 3_000
    login_trainees: int = 300  # trainees 1..N keep the production hash, for the login phase
    certified_share: float = 0.3
    seed: int = 20260801


@dataclass
class Seeded:
    cohort_id: int
    track_id: int
    trainee_emails: list[str]  # in id order; the first `login_trainees` have the production hash
    login_trainees: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _timed(seconds: dict[str, float], name: str, started: float) -> None:
    seconds[name] = round(time.perf_counter() - started, 1)


def seed(app: Flask, population: Population) -> Seeded:
    """Builds the whole population on the app's (empty) database."""
    from flask_migrate import upgrade

    from quizbank.extensions import db
    from quizbank.models import Role
    from quizbank.services import people, tracks
    from quizbank.services.bank_loading import load_banks

    rng = random.Random(population.seed)
    seconds: dict[str, float] = {}
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        load_banks()
        track = tracks.seed_default_track()
        assert track is not None
        admin = people.create_user(email=ADMIN_EMAIL, name="Bench Admin", role=Role.ADMIN, password=STAFF_PASSWORD)
        instructor = people.create_user(email=INSTRUCTOR_EMAIL, name="Bench Instructor", role=Role.INSTRUCTOR,
                                        password=STAFF_PASSWORD, actor_id=admin.id)
        track_id, instructor_id = track.id, instructor.id
        skill_ids = [s.id for s in track.skills]
        db.session.remove()
        _timed(seconds, "schema, banks, track, staff (services)", started)

        started = time.perf_counter()
        with db.engine.begin() as conn:
            writer = BulkWriter(conn)
            _clone_questions(writer, population.extra_questions, instructor_id, rng)
            writer.finish()
        _timed(seconds, f"{population.extra_questions:,} extra questions (bulk)", started)

        started = time.perf_counter()
        with db.engine.begin() as conn:
            writer = BulkWriter(conn)
            first_user, emails = _trainees(writer, population)
            cohort_id = _cohorts(writer, first_user, population.trainees)
            _certificates(writer, rng, first_user, population, track_id, skill_ids, instructor_id)
            writer.finish()
        _timed(seconds, f"{population.trainees:,} trainees, cohorts, certificates (bulk)", started)

        started = time.perf_counter()
        forms, drafts = module_forms()
        simulator = AttemptSimulator(drafts, rng)
        with db.engine.begin() as conn:
            writer = BulkWriter(conn)
            made = _past_attempts(writer, simulator, forms, rng, first_user, population)
            writer.finish()
        _timed(seconds, f"{made:,} past attempts with items and choices (bulk)", started)

        started = time.perf_counter()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does shortly after a bulk load
            _timed(seconds, "VACUUM ANALYZE", started)
        with db.engine.connect() as conn:
            counts = {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() or 0) for t in (
                "users", "questions", "question_versions", "attempts", "attempt_items", "item_choices",
                "certificates", "cohort_memberships", "skill_signoffs")}
    return Seeded(cohort_id, track_id, emails, population.login_trainees, counts, seconds)


def _clone_questions(writer: BulkWriter, count: int, author_id: int, rng: random.Random) -> None:
    """Copies of the bundled questions under new ids, in a mix of states, so each bank runs to hundreds."""
    from quizbank.extensions import db
    from quizbank.models import Question, QuestionVersion, VersionStatus

    sources = list(db.session.execute(
        select(QuestionVersion, Question.module_id, Question.external_id).join(Question)
        .where(QuestionVersion.status == VersionStatus.PUBLISHED).order_by(QuestionVersion.id)))
    if not count or not sources:
        return
    question_id, version_id = writer.next_id("questions"), writer.next_id("question_versions")
    now = datetime.now(UTC)
    questions, versions = [], []
    for n in range(count):
        version, module_id, external_id = sources[n % len(sources)]
        created = now - timedelta(days=rng.uniform(10, 700))
        status = rng.choices(["published", "draft", "in_review", "retired"], weights=[75, 15, 5, 5])[0]
        questions.append((question_id, f"{external_id.split('-')[0]}-B{n + 1:05d}", module_id,
                          writer.time(created)))
        versions.append((
            version_id, question_id, 1, status, version.qtype.value, f"(Variant {n + 1}) {version.stem}",
            json.dumps(version.body), version.explanation, json.dumps(version.references), version.competency_id,
            version.difficulty.value, version.critical, version.scenario, "web", secrets.token_hex(32), author_id,
            author_id if status in ("published", "retired") else None, writer.time(created),
            writer.time(created + timedelta(days=2)) if status in ("published", "retired") else None))
        question_id += 1
        version_id += 1
    writer.insert("questions", ("id", "external_id", "module_id", "created_at"), questions)
    writer.insert("question_versions", (
        "id", "question_id", "number", "status", "qtype", "stem", "body", "explanation", "references",
        "competency_id", "difficulty", "critical", "scenario", "origin", "content_hash", "author_id",
        "reviewer_id", "created_at", "published_at"), versions)
    db.session.remove()


def _trainees(writer: BulkWriter, population: Population) -> tuple[int, list[str]]:
    from quizbank.services.people import HASHER

    first = writer.next_id("users")
    production, cheap = HASHER.hash(PASSWORD), CHEAP_HASHER.hash(PASSWORD)
    created = writer.time(datetime.now(UTC) - timedelta(days=800))
    rows = [(first + n, f"trainee{n + 1:05d}@bench.quizbank", f"{_name(n)} {n + 1:05d}", "trainee",
             production if n < population.login_trainees else cheap, True, created, created)
            for n in range(population.trainees)]
    writer.insert("users", USER_COLUMNS, rows)
    return first, [r[1] for r in rows]


FIRST = ("Ada", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Liam", "Mei",
         "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tariq")
LAST = ("Smith", "Okafor", "Nguyen", "Garcia", "Müller", "Rossi", "Kowalski", "Tanaka", "Haddad", "Silva",
        "Jensen", "O'Brien", "Novak", "Kaur", "Dubois", "Petrov", "Ahmed", "Walker", "Lindqvist", "Moreau")


def _name(n: int) -> str:
    return f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}"


def _cohorts(writer: BulkWriter, first_user: int, trainees: int) -> int:
    """One cohort of every trainee (the dashboard's big case) and ten regional cohorts of a tenth each."""
    cohort_id = writer.next_id("cohorts")
    created = writer.time(datetime.now(UTC) - timedelta(days=400))
    cohorts = [(cohort_id, BIG_COHORT, "Every benchmark trainee", created)]
    cohorts += [(cohort_id + r, f"Bench region {r}", "A tenth of the benchmark trainees", created)
                for r in range(1, 11)]
    writer.insert("cohorts", ("id", "name", "description", "created_at"), cohorts)
    membership_id = writer.next_id("cohort_memberships")
    rows = []
    for n in range(trainees):
        rows.append((membership_id, cohort_id, first_user + n))
        rows.append((membership_id + 1, cohort_id + 1 + n % 10, first_user + n))
        membership_id += 2
    writer.insert("cohort_memberships", ("id", "cohort_id", "user_id"), rows)
    return cohort_id


def _certificates(writer: BulkWriter, rng: random.Random, first_user: int, population: Population, track_id: int,
                  skill_ids: list[int], instructor_id: int) -> None:
    """Current certificates for about a third of the trainees (fresh, expiring, lapsed, suspended, revoked),
    with the practical sign-offs behind them; a few sign-offs for trainees still in progress."""
    now = datetime.now(UTC)
    certificate_id, signoff_id = writer.next_id("certificates"), writer.next_id("skill_signoffs")
    references: set[str] = set()
    certificates: list[tuple[Any, ...]] = []
    signoffs: list[tuple[Any, ...]] = []
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    for n in range(population.login_trainees, population.trainees):
        user_id = first_user + n
        if rng.random() < population.certified_share:
            issued = now - timedelta(days=rng.uniform(5, 1200))
            expires = issued + timedelta(days=1096)
            state = rng.choices(["active", "suspended", "revoked"], weights=[96, 2, 2])[0]
            while True:
                reference = f"QB-{issued:%y}-" + "".join(rng.choice(alphabet) for _ in range(6))
                if reference not in references:
                    references.add(reference)
                    break
            certificates.append((
                certificate_id, user_id, track_id, secrets.token_urlsafe(24), reference, state, True,
                writer.time(issued), writer.time(expires),
                writer.time(issued + timedelta(days=30)) if state != "active" else None,
                "Benchmark state change" if state != "active" else "", "", None))
            certificate_id += 1
            done = skill_ids
            observed = issued - timedelta(days=20)
        else:
            done = skill_ids[: rng.randrange(len(skill_ids))]
            observed = now - timedelta(days=rng.uniform(5, 200))
        for skill_id in done:
            signoffs.append((signoff_id, user_id, skill_id, instructor_id, _day(writer, observed.date()), "passed",
                             "", writer.time(observed)))
            signoff_id += 1
    writer.insert("certificates", (
        "id", "user_id", "track_id", "verification_code", "reference", "state", "is_current", "issued_at",
        "expires_at", "state_changed_at", "state_reason", "override_reason", "renewed_from_id"), certificates)
    writer.insert("skill_signoffs", ("id", "user_id", "skill_id", "supervisor_id", "observed_on", "outcome", "notes",
                                     "created_at"), signoffs)


def _day(writer: BulkWriter, value: date) -> date | str:
    return value if writer.postgres else value.isoformat()


def _past_attempts(writer: BulkWriter, simulator: AttemptSimulator, forms: dict, rng: random.Random,  # type: ignore[type-arg]
                   first_user: int, population: Population) -> int:
    """Graded attempts spread over trainees and modules: a trainee's first try at a module, and a second one
    after most failures. Never more than two per trainee and module, all submitted days ago, so every
    trainee may still start any module during the benchmark."""
    now = datetime.now(UTC)
    codes = sorted(forms)
    abilities = [rng.gauss(0.4, 1.0) for _ in range(population.trainees)]
    pairs = [(n, code) for n in range(population.trainees) for code in codes]
    rng.shuffle(pairs)
    ids = IdCounters(writer.next_id("attempts"), writer.next_id("attempt_items"), writer.next_id("item_choices"))
    made = 0
    rows = AttemptRows()
    for n, code in pairs:
        if made >= population.past_attempts:
            break
        form = forms[code]
        started = now - timedelta(days=rng.uniform(40, 700), minutes=rng.uniform(0, 600))
        passed_before = rows.passed
        simulator.graded_attempt(rows, writer, ids, form, user_id=first_user + n, number=1,
                                 ability=abilities[n], started_at=started, rng=rng)
        made += 1
        if rows.passed == passed_before and made < population.past_attempts and rng.random() < 0.6:
            simulator.graded_attempt(rows, writer, ids, form, user_id=first_user + n, number=2,
                                     ability=abilities[n] + 0.4,
                                     started_at=started + timedelta(days=rng.uniform(2, 30)), rng=rng)
            made += 1
        if len(rows.attempts) >= 5000:
            AttemptSimulator.write(writer, rows)
            rows = AttemptRows()
    AttemptSimulator.write(writer, rows)
    return made
