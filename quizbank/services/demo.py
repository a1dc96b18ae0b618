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
