"""Every route × every role × owner or not: two users of each role, every id a route takes filled
with objects belonging to the first of them. Nobody gets a 2xx they should not, and nothing the
others posted changed the owners' objects.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from quizbank.models import Attempt, AttemptItem, ImportBatch
from tests.conftest import PASSWORD
from tests.security.routes import Actor, World, build_world, routes

PUBLIC = {"auth.login", "auth.accept_invitation", "static", "bootstrap.static"}  # and the public blueprint
SIGNED_IN_ANY_ROLE = {"public.image", "auth.change_password"}
OWNED_BY_INSTRUCTOR = {"instructor.import_plan", "instructor.import_confirm"}
TRAINEE_OWNED = {"attempt_id", "certificate_id"}


def _expected(endpoint: str, params: set[str], actor: Actor) -> bool:
    blueprint = endpoint.split(".")[0]
    if endpoint in SIGNED_IN_ANY_ROLE:
        return actor.role is not None
    if endpoint in PUBLIC or blueprint == "public":
        return True
    if blueprint == "trainee":  # a trainee's attempts and certificates are theirs alone
        return actor.role == "trainee" and (actor.owner or not params & TRAINEE_OWNED)
    if blueprint == "instructor":
        return actor.role in ("instructor", "admin") and (endpoint not in OWNED_BY_INSTRUCTOR or
                                                          (actor.owner and actor.role == "instructor"))
    if blueprint == "admin":
        return actor.role == "admin"
    raise AssertionError(f"no expectation for {endpoint}")


def _footprint(db, world: World) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    from quizbank.models import AngoffRating

    db.session.expire_all()
    attempt = db.session.get(Attempt, world.attempt_id)
    answers = tuple(db.session.scalars(select(AttemptItem.answer).where(AttemptItem.attempt_id == world.attempt_id)
                                       .order_by(AttemptItem.position)))
    batch = db.session.get(ImportBatch, world.batch_id)
    ratings = len(db.session.scalars(select(AngoffRating).where(AngoffRating.study_id == world.study_id)).all())
    return (attempt.status.value, attempt.points, repr(answers), batch.applied_at, repr(batch.mapping), ratings)


@pytest.mark.slow
def test_no_route_gives_any_role_or_non_owner_a_2xx_it_should_not(app, db, make_user, small_bank, figure):
    world, users = build_world(db, make_user)
    actors = [Actor("anonymous", None, False)]
    # Non-owners first: afterwards the owners' objects must be exactly as they were.
    actors += [Actor(f"{role}_B", role, False, users[f"{role}_B"]) for role in ("trainee", "instructor", "admin")]
    owners = [Actor(f"{role}_A", role, True, users[f"{role}_A"]) for role in ("trainee", "instructor", "admin")]
    crawl = list(routes(app, world))
    unexpected: list[tuple[str, str, str, int]] = []
    refused_owners: list[tuple[str, str, str, int]] = []
    statuses: Counter = Counter()
    before = _footprint(db, world)
    after_others = None
    for actor in [*actors, *owners]:
        if actor.owner and after_others is None:
            after_others = _footprint(db, world)
        client = app.test_client()
        if actor.user is not None:
            assert client.post("/login", data={"email": actor.user.email, "password": PASSWORD}).status_code == 302
        for endpoint, method, url, params in crawl:
            response = client.open(url, method=method, data={})
            statuses[response.status_code] += 1
            expected = _expected(endpoint, params, actor)
            if 200 <= response.status_code < 300 and not expected:
                unexpected.append((actor.label, method, url, response.status_code))
            refused = response.status_code in (401, 403, 404) or "/login" in response.headers.get("Location", "")
            if expected and method == "GET" and refused and endpoint != "public.verify":
                refused_owners.append((actor.label, method, url, response.status_code))
    figure(f"route x role x owner matrix: routes={len(crawl)} actors={len(actors) + len(owners)} "
           f"requests={sum(statuses.values())} unexpected_2xx={len(unexpected)} "
           f"owner_objects_changed_by_others={before != after_others} owners_wrongly_refused={len(refused_owners)} "
           f"statuses={dict(sorted(statuses.items()))}")
    assert unexpected == []
    assert before == after_others, "someone else's request changed the owners' attempt, import or study"
    assert refused_owners == [], "the matrix must also let the right people in, or it proves nothing"
    assert len(crawl) >= 55
