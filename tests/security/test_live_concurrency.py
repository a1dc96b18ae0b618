"""Parallel requests against a real server (gunicorn, 4 workers, a database that commits): nothing is
counted twice and nothing is lost. Flask's test client cannot show this: it never runs two requests at once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import func, select

from tests.conftest import answer_form, small_bank_yaml
from tests.security.support import (
    Account,
    LiveServer,
    WebClient,
    add_accounts,
    committing_app,
    dialect_of,
    run_together,
    server_environment,
)

pytestmark = pytest.mark.slow

ATTEMPT_PAGE = re.compile(r"/trainee/attempts/(\d+)/q/1$")


@dataclass
class Live:
    app: object
    url: str
    server: LiveServer
    trainees: list[Account]
    admin: Account
    track_id: int

    @property
    def dialect(self) -> str:
        return dialect_of(self.url)

    def signed_in(self, account: Account) -> WebClient:
        client = WebClient(self.server.url)
        client.login(account.email)
        return client


@pytest.fixture(scope="module")
def live(scratch_databases, tmp_path_factory) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    from quizbank.extensions import db
    from quizbank.services import tracks

    url = scratch_databases("sec_live")
    app = committing_app(url, {"tst": small_bank_yaml()})
    with app.app_context():
        trainees = add_accounts("trainee", 70, "live")
        admin = add_accounts("admin", 1, "live")[0]
        track = tracks.save_track(tracks.TrackSpec(code="LIVE", name="Live track", description="", validity_months=12,
                                                   module_codes=("TST",), skills=()), actor_id=None)
        track_id = track.id
        db.session.remove()
    server = LiveServer(server_environment(url), tmp_path_factory.mktemp("live") / "gunicorn.log", workers=4)
    server.start()
    try:
        yield Live(app, url, server, trainees, admin, track_id)
    finally:
        server.stop()


def _query(live: Live, fn):  # type: ignore[no-untyped-def]
    """Runs `fn` against the server's database from the test process."""
    from quizbank.extensions import db

    with live.app.app_context():  # type: ignore[attr-defined]
        try:
            return fn(db)
        finally:
            db.session.remove()


def _start(client: WebClient, token: str, code: str = "TST") -> int:
    reply = client.post(f"/trainee/modules/{code}/start", {"csrf_token": token})
    match = ATTEMPT_PAGE.search(reply.location)
    assert reply.status == 302 and match, (reply.status, reply.location)
    return int(match.group(1))


def _answer_forms(live: Live, attempt_id: int) -> dict[int, dict[str, list[str]]]:
    from quizbank.models import AttemptItem

    def forms(db):  # type: ignore[no-untyped-def]
        items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
        return {item.position: answer_form(item) for item in items}

    return _query(live, forms)


def _status(outcome) -> str:  # type: ignore[no-untyped-def]
    if outcome.error is not None:
        return f"exception:{type(outcome.error).__name__}"
    return str(outcome.value.status)


def test_concurrent_submits_of_one_attempt_grade_it_exactly_once(live, figure):
    from quizbank.models import Attempt, AttemptItem, AttemptStatus, ItemChoice

    parallel = 150 if live.dialect == "postgres" else 64
    trainee = live.signed_in(live.trainees[0])
    token = trainee.csrf_token("/trainee/")
    attempt_id = _start(trainee, token)
    for position, form in _answer_forms(live, attempt_id).items():
        saved = trainee.post(f"/trainee/attempts/{attempt_id}/q/{position}", {**form, "csrf_token": token},
                             headers={"X-Autosave": "1"})
        assert saved.status == 200 and saved.json() == {"saved": True}

    def submit_then_read(client: WebClient) -> str:
        reply = client.post(f"/trainee/attempts/{attempt_id}/submit", {"csrf_token": token})
        if reply.status != 302 or not reply.location.endswith(f"/trainee/attempts/{attempt_id}/result"):
            return f"status {reply.status} {reply.location}"
        page = client.get(reply.location)
        if page.status != 200:
            return f"result page {page.status}"
        return "already" if "already submitted" in page.body else "graded"

    outcomes = run_together([partial(submit_then_read, trainee.clone()) for _ in range(parallel)])
    told = Counter(o.value if o.error is None else f"exception {o.error!r}" for o in outcomes)
    errors = parallel - told["graded"] - told["already"]

    def stored(db):  # type: ignore[no-untyped-def]
        from quizbank.services import statistics_copies

        attempt = db.session.get(Attempt, attempt_id)
        status, points, pending = attempt.status, attempt.points, attempt.statistics_pending
        statistics_copies.write_pending()  # what the statistics page would do next
        choices = db.session.scalar(select(func.count(ItemChoice.id)).join(AttemptItem).where(
            AttemptItem.attempt_id == attempt_id))
        return status, points, pending, choices

    status, points, pending, choices = _query(live, stored)
    expected_choices = sum(len(f.get("choice", [])) for f in _answer_forms(live, attempt_id).values())
    figure(f"concurrent submit ({live.dialect}, {parallel}): graded={told['graded']} already={told['already']} "
           f"errors={errors} item_choices={choices}/{expected_choices} points={points}")
    assert errors == 0, told
    assert told["graded"] == 1 and told["already"] == parallel - 1
    assert status is AttemptStatus.GRADED and points == 6.0 and pending is True
    assert choices == expected_choices, "the catch-up records each chosen option once"


def test_concurrent_starts_open_exactly_one_attempt(live, figure):
    from quizbank.models import Attempt

    parallel = 50
    trainee = live.signed_in(live.trainees[1])
    token = trainee.csrf_token("/trainee/")
    outcomes = run_together([partial(trainee.clone().post, "/trainee/modules/TST/start", {"csrf_token": token})
                             for _ in range(parallel)])
    statuses = Counter(_status(o) for o in outcomes)
    ids = {ATTEMPT_PAGE.search(o.value.location).group(1) for o in outcomes
           if o.error is None and ATTEMPT_PAGE.search(o.value.location)}
    user_id = live.trainees[1].id
    count = _query(live, lambda db: db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == user_id)))
    figure(f"concurrent start ({live.dialect}, {parallel}): attempts={count} distinct_redirects={len(ids)} "
           f"errors={parallel - statuses['302']}")
    assert statuses == {"302": parallel}, statuses
    assert count == 1 and len(ids) == 1


def test_parallel_starts_cannot_exceed_attempts_allowed(live, figure):
    from quizbank.models import Attempt, Module

    parallel, rounds = 50, 3
    trainee = live.signed_in(live.trainees[2])
    token = trainee.csrf_token("/trainee/")
    allowed = _query(live, lambda db: db.session.scalar(select(Module.attempts_allowed).where(Module.code == "TST")))
    user_id = live.trainees[2].id
    refused = errors = 0
    for _round in range(rounds):
        outcomes = run_together([partial(trainee.clone().post, "/trainee/modules/TST/start", {"csrf_token": token})
                                 for _ in range(parallel)])
        for outcome in outcomes:
            if outcome.error is not None or outcome.value.status != 302:
                errors += 1
            elif outcome.value.location.endswith("/trainee/modules/TST"):
                refused += 1
        opened = {m.group(1) for o in outcomes if o.error is None and (m := ATTEMPT_PAGE.search(o.value.location))}
        for attempt_id in opened:
            assert trainee.post(f"/trainee/attempts/{attempt_id}/submit", {"csrf_token": token}).status == 302
    count = _query(live, lambda db: db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == user_id)))
    figure(f"parallel starts vs attempts-allowed ({live.dialect}, {rounds}x{parallel}): attempts={count} "
           f"allowed={allowed} refused={refused} errors={errors}")
    assert errors == 0
    assert count == allowed == 2
    assert refused == parallel, "the third round must be refused as a whole"


def test_sixty_four_trainees_autosaving_at_once_lose_nothing(live, figure):
    from quizbank.domain import presentation
    from quizbank.models import AttemptItem
    from quizbank.services.question_versions import draft_of

    group = live.trainees[3:67]
    clients = [WebClient(live.server.url) for _ in group]
    logins = run_together([lambda c=c, a=a: c.login(a.email) for c, a in zip(clients, group, strict=True)])
    assert all(o.error is None for o in logins), [o.error for o in logins if o.error][:3]
    tokens = [c.csrf_token("/trainee/") for c in clients]
    starts = run_together([lambda c=c, t=t: _start(c, t) for c, t in zip(clients, tokens, strict=True)])
    assert all(o.error is None for o in starts), [o.error for o in starts if o.error][:3]
    attempt_ids = [o.value for o in starts]
    forms = {aid: _answer_forms(live, aid) for aid in attempt_ids}

    def save_all(client: WebClient, token: str, attempt_id: int) -> Counter:
        seen: Counter = Counter()
        for position, form in forms[attempt_id].items():
            reply = client.post(f"/trainee/attempts/{attempt_id}/q/{position}", {**form, "csrf_token": token},
                                headers={"X-Autosave": "1"})
            seen["saved" if reply.status == 200 and reply.json() == {"saved": True} else f"status {reply.status}"] += 1
            seen["locked"] += "locked" in reply.body
        return seen

    outcomes = run_together([lambda c=c, t=t, a=a: save_all(c, t, a)
                             for c, t, a in zip(clients, tokens, attempt_ids, strict=True)])
    totals: Counter = Counter()
    for outcome in outcomes:
        totals.update(outcome.value if outcome.error is None else {f"exception {outcome.error!r}": 1})

    def expected_and_stored(db):  # type: ignore[no-untyped-def]
        matches = 0
        for attempt_id in attempt_ids:
            for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)):
                wanted = presentation.response_to_json(presentation.response_from_form(
                    draft_of(item.version), item.display_order, forms[attempt_id][item.position]))
                matches += item.answer == wanted
        return matches

    stored = _query(live, expected_and_stored)
    sent = sum(len(f) for f in forms.values())
    locked_in_log = live.server.log().count("database is locked")
    errors = sent - totals["saved"]
    figure(f"concurrent autosave ({live.dialect}, {len(group)} trainees x 6): saved={totals['saved']} "
           f"stored={stored}/{sent} locked={totals['locked'] + locked_in_log} errors={errors}")
    assert errors == 0, totals
    assert stored == sent
    assert totals["locked"] == 0 and locked_in_log == 0


def test_one_hundred_concurrent_grants_issue_one_certificate(live, figure):
    from quizbank.models import AuditEvent, Certificate

    parallel = 100
    trainee = live.trainees[67]
    admin = live.signed_in(live.admin)
    path = f"/admin/trainees/{trainee.id}/grant"
    token = admin.csrf_token(path)
    form = {"track": str(live.track_id), "reason": "Parallel grant from the integrity suite", "csrf_token": token}
    outcomes = run_together([partial(admin.clone().post, path, form) for _ in range(parallel)])
    granted = sum(1 for o in outcomes if o.error is None and o.value.status == 302)
    refused = sum(1 for o in outcomes if o.error is None and o.value.status == 200
                  and ("already holds" in o.value.body or "same moment" in o.value.body))

    def counts(db):  # type: ignore[no-untyped-def]
        certificates = db.session.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == trainee.id))
        events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificate.grant",
                                                                          AuditEvent.summary.contains(trainee.email)))
        return certificates, events

    certificates, events = _query(live, counts)
    figure(f"concurrent grant ({live.dialect}, {parallel}): certificates={certificates} granted={granted} "
           f"refused={refused} audit_events={events} errors={parallel - granted - refused}")
    assert granted + refused == parallel, Counter(_status(o) for o in outcomes)
    assert certificates == 1 and granted == 1 and events == 1
