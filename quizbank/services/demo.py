"""The demo cohort a fresh installation shows: idempotent, so `make run` can call it every time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from quizbank.extensions import db
from quizbank.models import Cohort, CohortMembership, Role, User

from . import audit
from .people import HASHER
from .unit_of_work import write_transaction

DEMO_COHORT = "Demo cohort 2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    password: str


DEMO_ACCOUNTS = (
    DemoAccount("admin@demo.quizbank", "Dana Admin", Role.ADMIN, "demo-admin-passphrase"),
    DemoAccount("instructor@demo.quizbank", "Ian Instructor", Role.INSTRUCTOR, "demo-instructor-passphrase"),
    DemoAccount("trainee1@demo.quizbank", "Tara Trainee", Role.TRAINEE, "demo-trainee-passphrase"),
    DemoAccount("trainee2@demo.quizbank", "Theo Trainee", Role.TRAINEE, "demo-trainee-passphrase"),
    DemoAccount("trainee3@demo.quizbank", "Tess Trainee", Role.TRAINEE, "demo-trainee-passphrase"),
)


# Demo certificates: (email, days ago it was issued). 36-month validity: ~35 months ago is expiring soon.
DEMO_CERTIFICATES = (("trainee2@demo.quizbank", 200), ("trainee3@demo.quizbank", 1065))


def seed_demo_certificates() -> int:
    """Gives two demo trainees a certificate of the default track (one fresh, one expiring); idempotent."""
    from datetime import timedelta

    from quizbank.models import Certificate, Track, utcnow

    from .certification import grant
    from .tracks import DEFAULT_TRACK_CODE

    track = db.session.scalar(select(Track).where(Track.code == DEFAULT_TRACK_CODE))
    admin = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0].email))
    if track is None or admin is None:
        return 0
    made = 0
    for email, days_ago in DEMO_CERTIFICATES:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or db.session.scalar(select(Certificate.id).where(Certificate.user_id == user.id)):
            continue
        grant(actor_id=admin.id, user_id=user.id, track_id=track.id, reason="Demo data",
              now=utcnow() - timedelta(days=days_ago))
        made += 1
    return made


def seed_demo() -> list[DemoAccount]:
    """Creates the demo accounts and cohort when missing; leaves existing ones (and their passwords) alone."""
    created: list[DemoAccount] = []
    with write_transaction():
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
        if cohort is None:
            cohort = Cohort(name=DEMO_COHORT, description="Demonstration cohort created by `flask quizbank seed-demo`.")
            db.session.add(cohort)
            db.session.flush()
        for account in DEMO_ACCOUNTS:
            user = db.session.scalar(select(User).where(User.email == account.email))
            if user is None:
                user = User(email=account.email, name=account.name, role=account.role,
                            password_hash=HASHER.hash(account.password))
                db.session.add(user)
                db.session.flush()
                audit.record(None, "user.create", "user", user.id, f"demo {account.role.value} {account.email}")
                created.append(account)
            member = db.session.scalar(select(CohortMembership).where(
                CohortMembership.cohort_id == cohort.id, CohortMembership.user_id == user.id))
            if member is None:
                db.session.add(CohortMembership(cohort_id=cohort.id, user_id=user.id))
    return created


ALUMNI = 40  # synthetic past trainees whose graded attempts give the statistics pages something to show


def seed_demo_history(seed: int = 2026) -> int:
    """Past trainees who each sat every module once, answering as their ability allows (idempotent).

    Answers come from a simple latent-ability model so items discriminate as in real cohorts. Runs through
    the real services: attempts are drawn, pinned and graded exactly as a trainee's would be.
    """
    import random
    from datetime import timedelta

    from quizbank.domain import presentation
    from quizbank.models import AttemptItem, Module, utcnow

    from . import attempts, statistics_copies
    from .question_versions import draft_of

    if db.session.scalar(select(User.id).where(User.email == "alumnus01@demo.quizbank")):
        return 0
    rng = random.Random(seed)
    codes = list(db.session.scalars(select(Module.code).order_by(Module.position)))
    made = 0
    for n in range(1, ALUMNI + 1):
        with write_transaction():
            user = User(email=f"alumnus{n:02d}@demo.quizbank", name=f"Alumnus {n:02d}", role=Role.TRAINEE,
                        password_hash=None, active=False)
            db.session.add(user)
        ability = rng.gauss(0.8, 0.1)
        for day, code in enumerate(codes):
            when = utcnow() - timedelta(days=400 - 9 * n - day)
            attempt = attempts.start_attempt(user.id, code, now=when, grace_seconds=30, seed=rng.randrange(2**31))
            with write_transaction():
                for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)):
                    draft = draft_of(item.version)
                    easiness = {"easy": 0.15, "medium": 0.0, "hard": -0.15}[draft.difficulty.value]
                    right = rng.random() < min(0.98, max(0.05, ability + easiness))
                    item.answer = presentation.response_to_json(_demo_response(draft, item.display_order, right, rng))
                    item.seconds_spent = rng.randint(20, 110)
            attempts.submit(user.id, attempt.id, now=when + timedelta(minutes=rng.randint(8, 20)), grace_seconds=30)
            made += 1
    statistics_copies.write_pending()  # the demo's statistics pages open without a catch-up to wait for
    return made


def _demo_response(draft, order, right, rng):  # type: ignore[no-untyped-def]
    """A right answer, or a plausible wrong one, for any question type."""
    from quizbank.domain.types import QuestionType, Response

    if draft.qtype is QuestionType.NUMERIC and draft.numeric:
        value = draft.numeric.value if right else draft.numeric.value * rng.choice((0.5, 1.5, 2.0)) + 1
        return Response(text=f"{value:g}")
    if draft.qtype is QuestionType.MATCHING:
        ids = [p.id for p in draft.pairs]
        given = ids if right else ids[1:] + ids[:1]
        return Response(matches=tuple(zip(ids, given, strict=True)))
    if draft.qtype is QuestionType.ORDERING:
        ids = [o.id for o in draft.options]
        return Response(selected=tuple(ids if right else ids[::-1]))
    keys = [o.id for o in draft.options if o.correct]
    wrong = [o.id for o in draft.options if not o.correct]
    if right or not wrong:
        return Response(selected=tuple(keys))
    return Response(selected=(rng.choice(wrong),))
