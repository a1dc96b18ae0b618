"""Faults in the middle of a use case leave nothing half-written; the visitor gets a generic error page
with a correlation id and no stack trace. On a database of its own that commits for real, so a missing
rollback would show (the usual per-test rollback would hide it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import answer_through_service, small_bank_yaml
from tests.security.support import PASSWORD, add_accounts, committing_app

CORRELATION = re.compile(r"\b[0-9a-f]{12}\b")
LEAKS = ("Traceback", 'File "', "RuntimeError", "injected", "site-packages", ".py", "sqlalchemy")


class InjectedFault(RuntimeError):
    pass


@pytest.fixture(scope="module")
def fault_app(scratch_databases) -> Flask:  # type: ignore[no-untyped-def]
    from quizbank.extensions import db
    from quizbank.services import tracks

    app = committing_app(scratch_databases("sec_faults"), {"tst": small_bank_yaml()})
    with app.app_context():
        tracks.save_track(tracks.TrackSpec(code="FLT", name="Fault track", description="", validity_months=12,
                                           module_codes=("TST",), skills=()), actor_id=None)
        db.session.remove()
    return app


@dataclass
class Footprint:
    status: str
    submitted: bool
    scored_items: int
    answered_items: int
    item_choices: int
    certificates: int
    certificate_events: int


def _footprint(app: Flask, user_id: int, attempt_id: int | None = None) -> Footprint:
    from quizbank.extensions import db
    from quizbank.models import Attempt, AttemptItem, AuditEvent, Certificate, ItemChoice

    with app.app_context():
        try:
            attempt = db.session.get(Attempt, attempt_id) if attempt_id else None
            items = list(db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)))
            choices = db.session.scalar(select(func.count(ItemChoice.id)).join(AttemptItem)
                                        .where(AttemptItem.attempt_id == attempt_id))
            certificate_ids = list(db.session.scalars(select(Certificate.id).where(Certificate.user_id == user_id)))
            events = db.session.scalar(select(func.count(AuditEvent.id)).where(
                AuditEvent.subject_type == "certificate", AuditEvent.subject_id.in_(certificate_ids or [-1])))
            return Footprint(attempt.status.value if attempt else "-", bool(attempt and attempt.submitted_at),
                             sum(i.score is not None for i in items), sum(i.answer is not None for i in items),
                             choices or 0, len(certificate_ids), events or 0)
        finally:
            db.session.remove()


def _trainee_ready_to_submit(app: Flask) -> tuple[object, int]:
    from quizbank.extensions import db
    from quizbank.models import utcnow
    from quizbank.services import attempts

    with app.app_context():
        trainee = add_accounts("trainee", 1, "fault")[0]
        attempt = attempts.start_attempt(trainee.id, "TST", now=utcnow(), grace_seconds=30)
        answer_through_service(trainee.id, attempt.id, utcnow())
        attempt_id = attempt.id
        db.session.remove()
    return trainee, attempt_id


def _signed_in(app: Flask, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def _fails_on_call(original: Callable, number: int) -> Callable:  # type: ignore[type-arg]
    """Wraps `original` to flush the half-done work to the database, then fail, on its `number`-th call."""
    from quizbank.extensions import db

    calls = {"n": 0}

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == number:
            db.session.flush()  # the partial rows really reach the database inside the transaction
            raise InjectedFault("injected fault")
        return original(*args, **kwargs)

    return wrapper


def _assert_generic_error(response, caplog) -> str:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    found = CORRELATION.findall(body)
    assert found, "the error page names no correlation id"
    assert not [leak for leak in LEAKS if leak in body], body
    assert any(found[0] in record.getMessage() for record in caplog.records), "the id is not in the log"
    return found[0]


@contextmanager
def _statement_fails(app: Flask, prefix: str) -> Iterator[None]:
    """The database refuses, once, the first statement that starts with `prefix` (the statements before it
    in the transaction have really been executed)."""
    from sqlalchemy import event

    from quizbank.extensions import db

    with app.app_context():
        engine = db.engine
    fired = {"done": False}

    def refuse(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not fired["done"] and statement.lstrip().startswith(prefix):
            fired["done"] = True
            raise InjectedFault("injected fault")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert fired["done"], f"no statement began with {prefix!r}"


def test_a_fault_in_the_middle_of_grading_leaves_the_attempt_as_it_was(fault_app, caplog, dialect, figure):
    trainee, attempt_id = _trainee_ready_to_submit(fault_app)
    client = _signed_in(fault_app, trainee.email)
    # The pass certifies the trainee in the grading transaction; its audit event is written last, after the
    # claim, the grade, the item scores and the certificate, so the fault leaves as much half-done work as it can.
    with _statement_fails(fault_app, "INSERT INTO audit_events"):
        response = client.post(f"/trainee/attempts/{attempt_id}/submit")
    _assert_generic_error(response, caplog)
    after_fault = _footprint(fault_app, trainee.id, attempt_id)
    assert client.post(f"/trainee/attempts/{attempt_id}/submit").status_code == 302
    recovered = _footprint(fault_app, trainee.id, attempt_id)
    figure(f"fault in grading ({dialect}): status={after_fault.status} "
           f"scored_items={after_fault.scored_items} item_choices={after_fault.item_choices} "
           f"certificates={after_fault.certificates} answers_kept={after_fault.answered_items}/6; "
           f"resubmitted: {recovered.status}, certificates={recovered.certificates}")
    assert after_fault == Footprint("in_progress", False, 0, 6, 0, 0, 0)
    assert recovered.status == "graded" and recovered.scored_items == 6 and recovered.certificates == 1


def test_a_fault_in_the_middle_of_writing_statistics_copies_leaves_the_batch_pending(fault_app, dialect, figure):
    from quizbank.extensions import db
    from quizbank.models import Attempt, AttemptItem
    from quizbank.services import statistics_copies

    trainee, attempt_id = _trainee_ready_to_submit(fault_app)
    client = _signed_in(fault_app, trainee.email)
    assert client.post(f"/trainee/attempts/{attempt_id}/submit").status_code == 302

    def copies() -> tuple[bool, int]:
        with fault_app.app_context():
            try:
                pending = db.session.get(Attempt, attempt_id).statistics_pending
                copied = db.session.scalar(select(func.count(AttemptItem.id)).where(
                    AttemptItem.attempt_id == attempt_id, AttemptItem.attempt_points.is_not(None)))
                return pending, copied or 0
            finally:
                db.session.remove()

    # The chosen options go in last, after the batch is claimed and its items carry their copies.
    with _statement_fails(fault_app, "INSERT INTO item_choices"), fault_app.app_context():
        try:
            statistics_copies.write_pending()
        except InjectedFault:
            pass
        else:
            raise AssertionError("the injected fault did not reach the catch-up")
        finally:
            db.session.remove()
    after_fault, footprint = copies(), _footprint(fault_app, trainee.id, attempt_id)
    with fault_app.app_context():
        written = statistics_copies.write_pending()
        db.session.remove()
    recovered, recovered_footprint = copies(), _footprint(fault_app, trainee.id, attempt_id)
    figure(f"fault in the statistics catch-up ({dialect}): pending={after_fault[0]} items_copied={after_fault[1]} "
           f"item_choices={footprint.item_choices}; caught up again: written={written} pending={recovered[0]} "
           f"items_copied={recovered[1]} item_choices={recovered_footprint.item_choices}")
    assert after_fault == (True, 0) and footprint.item_choices == 0 and footprint.status == "graded"
    assert written >= 1 and recovered == (False, 6) and recovered_footprint.item_choices > 0


def test_a_fault_in_the_middle_of_a_certificate_award_leaves_no_certificate_and_no_grade(
        fault_app, monkeypatch, caplog, dialect, figure):
    from quizbank.services import audit

    trainee, attempt_id = _trainee_ready_to_submit(fault_app)
    client = _signed_in(fault_app, trainee.email)
    original = audit.record

    def award_fails(actor_id, action, *args, **kwargs):  # type: ignore[no-untyped-def]
        if action == "certificate.award":  # the certificate row is inserted and flushed by now
            from quizbank.extensions import db

            db.session.flush()
            raise InjectedFault("injected fault")
        return original(actor_id, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", award_fails)
    _assert_generic_error(client.post(f"/trainee/attempts/{attempt_id}/submit"), caplog)
    after_fault = _footprint(fault_app, trainee.id, attempt_id)
    monkeypatch.undo()
    assert client.post(f"/trainee/attempts/{attempt_id}/submit").status_code == 302
    recovered = _footprint(fault_app, trainee.id, attempt_id)
    figure(f"fault in certificate award ({dialect}): "
           f"certificates={after_fault.certificates} audit={after_fault.certificate_events} "
           f"attempt={after_fault.status} item_choices={after_fault.item_choices}; "
           f"resubmitted: certificates={recovered.certificates} audit={recovered.certificate_events}")
    assert after_fault == Footprint("in_progress", False, 0, 6, 0, 0, 0)
    assert recovered.certificates == 1 and recovered.certificate_events == 1


def test_a_fault_in_the_middle_of_an_admin_grant_leaves_no_certificate(
        fault_app, monkeypatch, caplog, dialect, figure):
    from quizbank.extensions import db
    from quizbank.models import Track
    from quizbank.services import audit

    with fault_app.app_context():
        trainee = add_accounts("trainee", 1, "grantfault")[0]
        admin = add_accounts("admin", 1, "grantfault")[0]
        track_id = db.session.scalar(select(Track.id).where(Track.code == "FLT"))
        db.session.remove()
    client = _signed_in(fault_app, admin.email)
    original = audit.record

    def grant_fails(actor_id, action, *args, **kwargs):  # type: ignore[no-untyped-def]
        if action == "certificate.grant":
            db.session.flush()
            raise InjectedFault("injected fault")
        return original(actor_id, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", grant_fails)
    form = {"track": str(track_id), "reason": "Granted by the fault test"}
    _assert_generic_error(client.post(f"/admin/trainees/{trainee.id}/grant", data=form), caplog)
    after_fault = _footprint(fault_app, trainee.id)
    monkeypatch.undo()
    assert client.post(f"/admin/trainees/{trainee.id}/grant", data=form).status_code == 302
    recovered = _footprint(fault_app, trainee.id)
    figure(f"fault in admin grant ({dialect}): certificates={after_fault.certificates}; "
           f"after retry={recovered.certificates}")
    assert after_fault.certificates == 0
    assert recovered.certificates == 1


def test_an_error_inside_a_view_shows_a_generic_page_and_rolls_back(
        fault_app, monkeypatch, caplog, dialect, figure):
    from quizbank.extensions import db
    from quizbank.models import Cohort
    from quizbank.services import people

    with fault_app.app_context():
        admin = add_accounts("admin", 1, "viewfault")[0]
        db.session.remove()
    client = _signed_in(fault_app, admin.email)

    def half_done(name: str, description: str, *, actor_id: int) -> None:
        # Writes outside any service transaction, then fails: only the error handler's rollback saves us.
        db.session.add(Cohort(name=name, description=description))
        db.session.flush()
        raise InjectedFault("injected fault reading /etc/passwd")

    monkeypatch.setattr(people, "create_cohort", half_done)
    correlation = _assert_generic_error(client.post("/admin/cohorts", data={"name": "Doomed cohort"}), caplog)
    next_page = client.get("/admin/cohorts")
    with fault_app.app_context():
        left = db.session.scalar(select(func.count(Cohort.id)).where(Cohort.name == "Doomed cohort"))
        db.session.remove()
    figure(f"error in a view ({dialect}): status=500 correlation_id={correlation} cohort_rows_left={left} "
           f"next_request={next_page.status_code}")
    assert left == 0
    assert next_page.status_code == 200 and "Doomed cohort" not in next_page.get_data(as_text=True)


def test_an_error_behind_a_json_endpoint_answers_json_with_a_correlation_id(fault_app, monkeypatch, caplog):
    from quizbank.services import certification

    def broken(code: str, now: object) -> None:
        raise InjectedFault("injected fault")

    monkeypatch.setattr(certification, "verify", broken)
    response = fault_app.test_client().get("/verify/SOMECODE.json")
    assert response.status_code == 500 and response.is_json
    body = response.get_json()
    assert CORRELATION.fullmatch(body["correlation_id"])
    assert not [leak for leak in LEAKS if leak in response.get_data(as_text=True)]
    assert any(body["correlation_id"] in record.getMessage() for record in caplog.records)
