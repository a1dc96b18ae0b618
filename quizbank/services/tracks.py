"""Certification tracks: the seeded default and admin edits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from quizbank.errors import Conflict, DomainError, NotFound
from quizbank.extensions import db
from quizbank.models import Module, Track, TrackSkill

from . import audit
from .unit_of_work import write_transaction

DEFAULT_TRACK_CODE = "IMS-DN"
DEFAULT_SKILLS = (
    ("PRAC-01", "Pincer palpation and tangential needling over the thorax"),
    ("PRAC-02", "Clean needle technique and sharps handling"),
    ("PRAC-03", "Needlestick exposure protocol"),
    ("PRAC-04", "Patient positioning and vasovagal management"),
)


@dataclass(frozen=True)
class TrackSpec:
    code: str
    name: str
    description: str
    validity_months: int
    module_codes: tuple[str, ...]
    skills: tuple[tuple[str, str], ...]
    supervised_hours: float = 0.0
    renewal_module_codes: tuple[str, ...] = ()
    renewal_ce_hours: float = 0.0
    active: bool = True


def all_tracks() -> list[Track]:
    return list(db.session.scalars(select(Track).order_by(Track.name)
                                   .options(selectinload(Track.modules), selectinload(Track.skills))))


def get_track(track_id: int) -> Track:
    track = db.session.get(Track, track_id)
    if track is None:
        raise NotFound("No such track.")
    return track


def save_track(spec: TrackSpec, *, actor_id: int | None, track_id: int | None = None) -> Track:
    """Creates or updates a track; skills are matched by code, so past sign-offs keep their skill."""
    if not spec.module_codes:
        raise DomainError("A track needs at least one module.")
    if not 1 <= spec.validity_months <= 240:
        raise DomainError("Validity must be between 1 and 240 months.")
    with write_transaction():
        modules = list(db.session.scalars(select(Module).where(Module.code.in_(spec.module_codes))))
        unknown = set(spec.module_codes) - {m.code for m in modules} | (
            set(spec.renewal_module_codes) - set(spec.module_codes))
        if unknown:
            raise DomainError(f"Unknown or unrequired module(s): {', '.join(sorted(unknown))}.")
        if track_id is None:
            if db.session.scalar(select(Track.id).where(Track.code == spec.code)):
                raise Conflict(f"A track with the code {spec.code} already exists.")
            track = Track(code=spec.code)
            db.session.add(track)
        else:
            track = get_track(track_id)
        track.name, track.description = spec.name, spec.description
        track.validity_months, track.supervised_hours = spec.validity_months, spec.supervised_hours
        track.renewal_module_codes = list(spec.renewal_module_codes)
        track.renewal_ce_hours = spec.renewal_ce_hours
        track.active = spec.active
        track.modules = modules
        existing = {s.code: s for s in track.skills}
        wanted = dict(spec.skills)
        for code, title in wanted.items():
            skill = existing.get(code) or TrackSkill(code=code)
            skill.title = title
            if code not in existing:
                track.skills.append(skill)
        for code, skill in existing.items():
            if code not in wanted and not _has_signoffs(skill.id):
                track.skills.remove(skill)
        db.session.flush()
        audit.record(actor_id, "track.save", "track", track.id, f"saved track {track.code}",
                     after={"modules": list(spec.module_codes), "skills": list(wanted)})
    return track


def _has_signoffs(skill_id: int) -> bool:
    from quizbank.models import SkillSignOff

    return db.session.scalar(select(SkillSignOff.id).where(SkillSignOff.skill_id == skill_id).limit(1)) is not None


def seed_default_track() -> Track | None:
    """The IMS / dry-needling practitioner track over every bundled module; None if it exists already."""
    if db.session.scalar(select(Track.id).where(Track.code == DEFAULT_TRACK_CODE)):
        return None
    codes = tuple(db.session.scalars(select(Module.code).order_by(Module.position)))
    if not codes:
        raise DomainError("Load the banks first: the default track needs the modules.")
    return save_track(TrackSpec(
        code=DEFAULT_TRACK_CODE, name="IMS / dry needling practitioner",
        description="Certifies the knowledge and the observed practical skills needed to practise "
                    "intramuscular stimulation and dry needling safely.",
        validity_months=36, module_codes=codes, skills=DEFAULT_SKILLS,
        renewal_module_codes=tuple(c for c in codes if c == "SAF"), renewal_ce_hours=10.0,
    ), actor_id=None)
