"""Certification rules: given a trainee's record and `now`, what is met, what is missing, and the status.

Lifecycle: in progress → certified (automatically, when the last requirement is met) → expiring (within
the warning window) → lapsed (past expiry, not renewed); an admin may suspend or revoke, and reinstate.
Renewal: pass every refresher module and log the continuing-education hours after the certificate was
issued, within the renewal window (the expiring window) or after a lapse; the renewal keeps the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    IN_PROGRESS = "in_progress"
    CERTIFIED = "certified"
    EXPIRING = "expiring"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class StoredState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


@dataclass(frozen=True)
class TrackRules:
    required_modules: tuple[str, ...]
    required_skills: tuple[str, ...] = ()
    supervised_hours: float = 0.0
    validity_days: int = 3 * 365
    renewal_modules: tuple[str, ...] = ()
    renewal_ce_hours: float = 0.0


@dataclass(frozen=True)
class CurrentCertificate:
    issued_at: datetime
    expires_at: datetime
    state: StoredState


@dataclass(frozen=True)
class TraineeRecord:
    """Dates are when each thing happened, so renewal can ask "since the certificate was issued"."""

    module_passes: Mapping[str, Sequence[datetime]] = field(default_factory=dict)  # module code → pass times
    skill_signoffs: Mapping[str, Sequence[date]] = field(default_factory=dict)  # skill code → pass dates
    supervised_hours: float = 0.0
    ce_hours: Sequence[tuple[date, float]] = ()
    certificate: CurrentCertificate | None = None


@dataclass(frozen=True)
class Requirement:
    kind: str  # module | skill | hours | renewal_module | renewal_hours
    code: str
    met: bool
    detail: str = ""


def requirements(rules: TrackRules, record: TraineeRecord) -> list[Requirement]:
    """Every initial requirement with whether it is met."""
    items = [Requirement("module", code, bool(record.module_passes.get(code)),
                         "passed" if record.module_passes.get(code) else "not passed yet")
             for code in rules.required_modules]
    items += [Requirement("skill", code, bool(record.skill_signoffs.get(code)),
                          "signed off" if record.skill_signoffs.get(code) else "not signed off yet")
              for code in rules.required_skills]
    if rules.supervised_hours > 0:
        items.append(Requirement("hours", "supervised", record.supervised_hours >= rules.supervised_hours,
                                 f"{record.supervised_hours:g} of {rules.supervised_hours:g} h"))
    return items


def missing(rules: TrackRules, record: TraineeRecord) -> list[Requirement]:
    return [r for r in requirements(rules, record) if not r.met]


def status(record: TraineeRecord, now: datetime, expiring_window: timedelta) -> Status:
    cert = record.certificate
    if cert is None:
        return Status.IN_PROGRESS
    if cert.state is StoredState.REVOKED:
        return Status.REVOKED
    if cert.state is StoredState.SUSPENDED:
        return Status.SUSPENDED
    if now >= cert.expires_at:
        return Status.LAPSED
    if now >= cert.expires_at - expiring_window:
        return Status.EXPIRING
    return Status.CERTIFIED


def should_award(rules: TrackRules, record: TraineeRecord) -> bool:
    """A first certificate is due when there is none yet and every requirement is met."""
    return record.certificate is None and not missing(rules, record)


def renewal_requirements(rules: TrackRules, record: TraineeRecord) -> list[Requirement]:
    """What renewing the current certificate needs: refreshers passed and CE hours logged since issue."""
    cert = record.certificate
    if cert is None:
        return []
    since = cert.issued_at
    items = [Requirement("renewal_module", code, any(t > since for t in record.module_passes.get(code, ())),
                         "passed since the certificate was issued")
             for code in rules.renewal_modules]
    if rules.renewal_ce_hours > 0:
        logged = sum(h for d, h in record.ce_hours if d >= since.date())
        items.append(Requirement("renewal_hours", "ce", logged >= rules.renewal_ce_hours,
                                 f"{logged:g} of {rules.renewal_ce_hours:g} h since issue"))
    return items


def renewal_due(rules: TrackRules, record: TraineeRecord, now: datetime, expiring_window: timedelta) -> bool:
    """Renew when the certificate is expiring or lapsed (not suspended or revoked) and renewal is complete."""
    if not rules.renewal_modules and rules.renewal_ce_hours <= 0:
        return False
    if status(record, now, expiring_window) not in (Status.EXPIRING, Status.LAPSED):
        return False
    return all(r.met for r in renewal_requirements(rules, record))


def renewed_period(rules: TrackRules, record: TraineeRecord, now: datetime) -> tuple[datetime, datetime]:
    """The renewal's (issued, expires): continuous from the old expiry if renewed in time, else from now."""
    cert = record.certificate
    assert cert is not None
    start = cert.expires_at if now < cert.expires_at else now
    return now, start + timedelta(days=rules.validity_days)


def first_period(rules: TrackRules, now: datetime) -> tuple[datetime, datetime]:
    return now, now + timedelta(days=rules.validity_days)


def public_status(state: StoredState | str, expires_at: datetime, now: datetime, expiring_window: timedelta) -> str:
    """The word a verification page shows: valid, expiring, expired, suspended, revoked or renewed."""
    value = str(state)
    if value in ("suspended", "revoked", "renewed"):
        return value
    if now >= expires_at:
        return "expired"
    return "expiring" if now >= expires_at - expiring_window else "valid"
