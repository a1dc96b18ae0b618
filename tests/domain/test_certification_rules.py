"""Every certification transition, with an injected `now`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from quizbank.domain.certification import (
    CurrentCertificate,
    Status,
    StoredState,
    TrackRules,
    TraineeRecord,
    missing,
    public_status,
    renewal_due,
    renewed_period,
    should_award,
    status,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=90)
RULES = TrackRules(required_modules=("SAF", "TEC"), required_skills=("PRAC-01",), supervised_hours=10,
                   validity_days=3 * 365, renewal_modules=("SAF",), renewal_ce_hours=10)
COMPLETE = TraineeRecord(module_passes={"SAF": [NOW], "TEC": [NOW]}, skill_signoffs={"PRAC-01": [NOW.date()]},
                         supervised_hours=12)


def certified(issued: datetime, state: StoredState = StoredState.ACTIVE, **changes: object) -> TraineeRecord:
    cert = CurrentCertificate(issued, issued + timedelta(days=3 * 365), state)
    return TraineeRecord(**{**COMPLETE.__dict__, "certificate": cert, **changes})


def test_in_progress_lists_what_is_missing():
    record = TraineeRecord(module_passes={"SAF": [NOW]}, supervised_hours=4)
    assert status(record, NOW, WINDOW) is Status.IN_PROGRESS
    assert [(r.kind, r.code) for r in missing(RULES, record)] == [("module", "TEC"), ("skill", "PRAC-01"),
                                                                   ("hours", "supervised")]
    assert not should_award(RULES, record)


def test_the_last_requirement_makes_the_award_due_once():
    assert should_award(RULES, COMPLETE)
    assert not should_award(RULES, certified(NOW))


def test_certified_then_expiring_then_lapsed():
    record = certified(NOW)
    assert status(record, NOW + timedelta(days=10), WINDOW) is Status.CERTIFIED
    assert status(record, NOW + timedelta(days=3 * 365 - 30), WINDOW) is Status.EXPIRING
    assert status(record, NOW + timedelta(days=3 * 365 + 1), WINDOW) is Status.LAPSED


def test_suspended_and_revoked_override_dates():
    assert status(certified(NOW, StoredState.SUSPENDED), NOW, WINDOW) is Status.SUSPENDED
    assert status(certified(NOW, StoredState.REVOKED), NOW + timedelta(days=5000), WINDOW) is Status.REVOKED


def test_renewal_needs_a_refresher_and_ce_hours_since_issue_within_the_window():
    issued = NOW - timedelta(days=3 * 365 - 30)  # expiring now
    late_pass = {"SAF": [NOW - timedelta(days=2)], "TEC": [issued]}
    ce = [(date(2026, 5, 1), 6.0), (date(2026, 5, 20), 4.0)]
    assert renewal_due(RULES, certified(issued, module_passes=late_pass, ce_hours=ce), NOW, WINDOW)
    assert not renewal_due(RULES, certified(issued, module_passes=late_pass, ce_hours=ce[:1]), NOW, WINDOW)
    old_pass = {"SAF": [issued - timedelta(days=1)], "TEC": [issued]}
    assert not renewal_due(RULES, certified(issued, module_passes=old_pass, ce_hours=ce), NOW, WINDOW)
    fresh = NOW - timedelta(days=100)  # certified, not yet in the window
    assert not renewal_due(RULES, certified(fresh, module_passes={"SAF": [NOW]}, ce_hours=[(NOW.date(), 20)]),
                           NOW, WINDOW)


def test_renewal_in_time_continues_from_the_old_expiry_and_after_a_lapse_starts_now():
    issued = NOW - timedelta(days=3 * 365 - 30)
    record = certified(issued)
    _start, end = renewed_period(RULES, record, NOW)
    assert end == record.certificate.expires_at + timedelta(days=3 * 365)
    lapsed_now = record.certificate.expires_at + timedelta(days=10)
    assert renewed_period(RULES, record, lapsed_now)[1] == lapsed_now + timedelta(days=3 * 365)


def test_a_revoked_certificate_is_never_renewed():
    issued = NOW - timedelta(days=3 * 365 - 30)
    record = certified(issued, StoredState.REVOKED, module_passes={"SAF": [NOW]}, ce_hours=[(NOW.date(), 20)])
    assert not renewal_due(RULES, record, NOW, WINDOW)


def test_public_status_words():
    expires = NOW + timedelta(days=400)
    assert public_status("active", expires, NOW, WINDOW) == "valid"
    assert public_status("active", expires, expires - timedelta(days=1), WINDOW) == "expiring"
    assert public_status("active", expires, expires, WINDOW) == "expired"
    assert public_status("revoked", expires, NOW, WINDOW) == "revoked"
