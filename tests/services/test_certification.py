"""Certification against the database: automatic award in the completing transaction, admin actions, verification."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizbank.errors import Conflict, DomainError
from quizbank.models import AuditEvent, Certificate, CertificateState, HoursKind, SignOffOutcome, TrackSkill
from quizbank.services import attempts, certification, practicals, tracks
from tests.conftest import answer_through_service

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def track(db, small_bank):  # type: ignore[no-untyped-def]
    return tracks.save_track(tracks.TrackSpec(
        code="TST-TRACK", name="Test practitioner", description="", validity_months=12, module_codes=("TST",),
        skills=(("PRAC-01", "Pincer palpation"),), renewal_module_codes=("TST",), renewal_ce_hours=5),
        actor_id=None)


def pass_module(trainee, at=T0):  # type: ignore[no-untyped-def]
    attempt = attempts.start_attempt(trainee.id, "TST", now=at, grace_seconds=30)
    answer_through_service(trainee.id, attempt.id, at)
    attempts.submit(trainee.id, attempt.id, now=at + timedelta(minutes=1), grace_seconds=30)
    return attempt


def skill(db):  # type: ignore[no-untyped-def]
    return db.session.scalar(select(TrackSkill).where(TrackSkill.code == "PRAC-01"))


def certificates(db, user):  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)))


def test_the_last_sign_off_issues_exactly_one_certificate(db, make_user, track):
    trainee, instructor = make_user(), make_user("instructor")
    pass_module(trainee)
    assert certificates(db, trainee) == []
    practicals.sign_off(supervisor_id=instructor.id, trainee_id=trainee.id, skill_id=skill(db).id,
                        observed_on=date(2026, 3, 2), outcome=SignOffOutcome.PASSED, notes="", now=T0)
    [cert] = certificates(db, trainee)
    assert cert.state is CertificateState.ACTIVE and cert.expires_at == cert.issued_at + timedelta(days=365)
    assert len(cert.verification_code) >= 22 and cert.reference.startswith("QB-26-")
    practicals.sign_off(supervisor_id=instructor.id, trainee_id=trainee.id, skill_id=skill(db).id,
                        observed_on=date(2026, 3, 2), outcome=SignOffOutcome.PASSED, notes="again", now=T0)
    assert len(certificates(db, trainee)) == 1


def test_the_last_passing_grade_certifies_in_the_same_transaction(db, make_user, track):
    trainee, instructor = make_user(), make_user("instructor")
    practicals.sign_off(supervisor_id=instructor.id, trainee_id=trainee.id, skill_id=skill(db).id,
                        observed_on=date(2026, 3, 1), outcome=SignOffOutcome.NOT_YET, notes="", now=T0)
    practicals.sign_off(supervisor_id=instructor.id, trainee_id=trainee.id, skill_id=skill(db).id,
                        observed_on=date(2026, 3, 2), outcome=SignOffOutcome.PASSED, notes="", now=T0)
    assert certificates(db, trainee) == []
    pass_module(trainee)
    assert len(certificates(db, trainee)) == 1
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"certificate.award", "signoff.record"} <= actions


def test_renewal_keeps_history_and_the_old_code_says_renewed(db, make_user, track):
    trainee, instructor = make_user(), make_user("instructor")
    pass_module(trainee)
    practicals.sign_off(supervisor_id=instructor.id, trainee_id=trainee.id, skill_id=skill(db).id,
                        observed_on=date(2026, 3, 2), outcome=SignOffOutcome.PASSED, notes="",
                        now=T0 + timedelta(hours=1))
    [first] = certificates(db, trainee)
    later = first.expires_at - timedelta(days=20)
    practicals.record_hours(actor_id=instructor.id, trainee_id=trainee.id, kind=HoursKind.CONTINUING_EDUCATION,
                            hours=5, done_on=later.date(), note="course", now=later)
    assert len(certificates(db, trainee)) == 1  # refresher not yet passed
    pass_module(trainee, later)
    history = sorted(certificates(db, trainee), key=lambda c: c.id)
    assert [c.state for c in history] == [CertificateState.RENEWED, CertificateState.ACTIVE]
    assert history[1].renewed_from_id == history[0].id
    assert history[1].expires_at == history[0].expires_at + timedelta(days=365)
    assert certification.verify(history[0].verification_code, later).status == "renewed"


def test_grant_needs_a_reason_and_refuses_a_second_current_certificate(db, make_user, track):
    admin, trainee = make_user("admin"), make_user()
    with pytest.raises(DomainError, match="reason"):
        certification.grant(actor_id=admin.id, user_id=trainee.id, track_id=track.id, reason=" ", now=T0)
    cert = certification.grant(actor_id=admin.id, user_id=trainee.id, track_id=track.id,
                               reason="Recognised prior certification", now=T0)
    assert cert.override_reason == "Recognised prior certification"
    with pytest.raises(Conflict):
        certification.grant(actor_id=admin.id, user_id=trainee.id, track_id=track.id, reason="again", now=T0)


def test_suspend_revoke_reinstate_are_audited_and_visible_at_once(db, make_user, track):
    admin, trainee = make_user("admin"), make_user(name="Hana Holder")
    cert = certification.grant(actor_id=admin.id, user_id=trainee.id, track_id=track.id, reason="prior", now=T0)
    code = cert.verification_code
    assert certification.verify(code, T0).status == "valid"
    certification.change_state(actor_id=admin.id, certificate_id=cert.id, to=CertificateState.SUSPENDED,
                               reason="Complaint under review", now=T0)
    assert certification.verify(code, T0).status == "suspended"
    certification.change_state(actor_id=admin.id, certificate_id=cert.id, to=CertificateState.ACTIVE,
                               reason="Cleared", now=T0)
    certification.change_state(actor_id=admin.id, certificate_id=cert.id, to=CertificateState.REVOKED,
                               reason="Practised outside scope", now=T0 + timedelta(days=1))
    seen = certification.verify(code, T0 + timedelta(days=2))
    assert seen.status == "revoked" and seen.holder == "Hana Holder" and seen.changed_at == T0 + timedelta(days=1)
    with pytest.raises(Conflict):
        certification.change_state(actor_id=admin.id, certificate_id=cert.id, to=CertificateState.SUSPENDED,
                                   reason="x", now=T0)
    actions = [a for a in db.session.scalars(select(AuditEvent.action)) if a.startswith("certificate.")]
    assert actions.count("certificate.revoke") == 1 and "certificate.reinstate" in actions


def test_unknown_codes_verify_to_nothing(db, track):
    assert certification.verify("not-a-real-code", T0) is None
    assert certification.verify("x" * 500, T0) is None


def test_the_database_refuses_two_current_certificates(db, make_user, track):
    trainee = make_user()
    cert = certification.grant(actor_id=trainee.id, user_id=trainee.id, track_id=track.id, reason="r", now=T0)
    duplicate = Certificate(user_id=trainee.id, track_id=track.id, verification_code="dup-code", reference="QB-X",
                            state=CertificateState.ACTIVE, is_current=True, issued_at=T0, expires_at=T0)
    from sqlalchemy.exc import IntegrityError

    session = db.session()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(duplicate)
        session.flush()
    assert db.session.scalar(select(func.count(Certificate.id))) == 1 and cert.is_current


def test_reconciling_reads_the_tracks_terms_and_the_whole_record_in_one_statement(db, make_user, track):
    """Every kind of evidence comes back with its own type and in its own track, however many tracks and
    records there are: one read (after the per-trainee lock on PostgreSQL), the same with two tracks."""
    from tests.test_query_counts import counting

    trainee, instructor = make_user(), make_user("instructor")
    second = tracks.save_track(tracks.TrackSpec(
        code="TST-SUP", name="Supervised practitioner", description="", validity_months=24, module_codes=("TST",),
        skills=(("PRAC-02", "Needle handling"), ("PRAC-01", "Pincer palpation, again")), supervised_hours=10,
        renewal_module_codes=(), renewal_ce_hours=0), actor_id=None)
    attempt = pass_module(trainee)
    first_skill, second_skill = (db.session.scalar(select(TrackSkill).where(TrackSkill.code == code,
                                                                            TrackSkill.track_id == track_id))
                                 for code, track_id in (("PRAC-01", track.id), ("PRAC-02", second.id)))
    for skill_id, day, outcome in [(first_skill.id, date(2026, 2, 27), SignOffOutcome.NOT_YET),
                                   (first_skill.id, date(2026, 2, 28), SignOffOutcome.PASSED),
                                   (second_skill.id, date(2026, 3, 1), SignOffOutcome.PASSED)]:
        practicals.sign_off(supervisor_id=instructor.id, trainee_id=trainee.id, skill_id=skill_id, observed_on=day,
                            outcome=outcome, notes="", now=T0)
    for kind, hours, day in [(HoursKind.SUPERVISED, 4, date(2026, 2, 1)), (HoursKind.CONTINUING_EDUCATION, 2.5,
                             date(2026, 2, 3)), (HoursKind.SUPERVISED, 7, date(2026, 2, 2)),
                             (HoursKind.CONTINUING_EDUCATION, 1, date(2026, 1, 9))]:
        practicals.record_hours(actor_id=instructor.id, trainee_id=trainee.id, kind=kind, hours=hours, done_on=day,
                                note="", now=T0)
    # The first track is met. The second is not: its own PRAC-01 was never signed off, whatever the hours.
    [cert] = certificates(db, trainee)
    assert cert.track_id == track.id
    db.session.expire_all()

    evidence = certification._evidence(trainee.id, with_terms=True)
    terms = {t.id: t for t in certification._track_terms(evidence)}
    assert terms[track.id].name == "Test practitioner"
    assert terms[track.id].rules == certification.track_rules(tracks.get_track(track.id))
    assert terms[second.id].rules == certification.track_rules(tracks.get_track(second.id))
    assert terms[second.id].rules.required_skills == ("PRAC-01", "PRAC-02")
    records = certification._records(evidence, [track.id, second.id])
    passed_at = db.session.get(type(attempt), attempt.id).submitted_at
    assert records[track.id].module_passes == {"TST": [passed_at]}
    assert records[track.id].skill_signoffs == {"PRAC-01": [date(2026, 2, 28)]}  # "not yet" is no evidence
    assert records[second.id].skill_signoffs == {"PRAC-02": [date(2026, 3, 1)]}
    assert records[second.id].supervised_hours == 11.0
    assert records[second.id].ce_hours == [(date(2026, 2, 3), 2.5), (date(2026, 1, 9), 1.0)]  # in recorded order
    assert records[second.id].certificate is None
    assert records[track.id].certificate == certification.rules_domain.CurrentCertificate(
        cert.issued_at, cert.expires_at, certification.StoredState("active"))
    assert records == certification.trainee_records(trainee.id, [track.id, second.id])

    with counting() as statements:
        certification.reconcile(trainee.id, T0)
    assert len(statements) == (2 if db.engine.dialect.name == "postgresql" else 1), statements
    db.session.rollback()
