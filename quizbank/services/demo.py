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
