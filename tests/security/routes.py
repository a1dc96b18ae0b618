"""The routes of the app with real ids in them: a small world where every object a route names
belongs to the "A" user of each role (trainee, instructor, admin)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from quizbank.models import Question, QuestionVersion, utcnow

SKIPPED = {"auth.logout"}  # ends the session the rest of a crawl needs; tests/security/test_sessions.py

PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
AIKEN = b"Which structure is at risk when needling the upper trapezius too deeply?\nA. The lung apex\n" \
        b"B. The femoral nerve\nC. The radial artery\nD. The spleen\nANSWER: A\n"


def tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Actor:
    label: str
    role: str | None  # None: not signed in
    owner: bool  # the "A" user, who owns the objects in the URLs
    user: object | None = None


@dataclass
class World:
    values: dict[str, list[str]]
    attempt_id: int
    batch_id: int
    study_id: int


def build_world(db, make_user) -> tuple[World, dict[str, object]]:  # type: ignore[no-untyped-def]
    from quizbank.models import Role
    from quizbank.services import attempts, bank_import, certification, images, people, standard_setting, tracks
    from quizbank.services.unit_of_work import write_transaction

    users = {f"{role}_{side}": make_user(role) for role in ("trainee", "instructor", "admin") for side in "AB"}
    target = make_user("trainee")  # the account admin routes act on (they may deactivate it)
    now = utcnow()
    graded = attempts.start_attempt(users["trainee_A"].id, "TST", now=now, grace_seconds=30)
    attempts.submit(users["trainee_A"].id, graded.id, now=now, grace_seconds=30)
    active = attempts.start_attempt(users["trainee_A"].id, "TST", now=now, grace_seconds=30)
    track = tracks.save_track(tracks.TrackSpec(code="MATRIX", name="Matrix track", description="", validity_months=12,
                                               module_codes=("TST",), skills=(("PRAC-01", "A skill"),)), actor_id=None)
    certificate = certification.grant(actor_id=users["admin_A"].id, user_id=users["trainee_A"].id, track_id=track.id,
                                      reason="matrix", now=now)
    batch = bank_import.start_batch(user_id=users["instructor_A"].id, filename="a.txt", data=AIKEN)
    study = standard_setting.open_study(actor_id=users["instructor_A"].id, module_code="TST",
                                        panel_ids=[users["instructor_A"].id, users["admin_A"].id])
    cohort = people.create_cohort("Matrix cohort", "", actor_id=users["admin_A"].id)
    with write_transaction():
        image = images.store_image(tiny_png(), uploaded_by=users["instructor_A"].id)
        digest = image.sha256
    token = people.invite(target.id, actor_id=users["admin_A"].id, valid_hours=24)
    question = db.session.scalar(select(Question).order_by(Question.id))
    version = db.session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id))
    assert target.role is Role.TRAINEE
    values = {
        "attempt_id": [str(active.id), str(graded.id)], "position": ["1"], "code": ["TST"],
        "certificate_id": [str(certificate.id)], "action": ["suspend"], "user_id": [str(target.id)],
        "cohort_id": [str(cohort.id)], "track_id": [str(track.id)], "study_id": [str(study.id)],
        "batch_id": [str(batch.id)], "question_id": [str(question.id)], "version_id": [str(version.id)],
        "step": ["comment"], "kind": ["histogram"], "digest": [digest], "token": [token],
        "filename": ["css/app.css"], "verify_code": [certificate.verification_code],
    }
    return World(values, active.id, batch.id, study.id), users


def routes(app: Flask, world: World) -> Iterator[tuple[str, str, str, set[str]]]:
    """(endpoint, method, url, parameter names) for every rule and method, with the world's ids filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        for method in sorted(m for m in rule.methods if m in {"GET", "POST"}):
            variants = [rule.rule]
            for _converter, name in PARAMETER.findall(rule.rule):
                key = "verify_code" if rule.endpoint == "public.verify" else name
                if rule.endpoint == "bootstrap.static":
                    choices = ["css/bootstrap.min.css"]
                elif key in world.values:
                    choices = world.values[key]
                else:
                    raise AssertionError(f"{rule.rule}: give the matrix an object for <{name}> (whose is it?)")
                variants = [PARAMETER.sub(lambda m, n=name, v=v: v if m.group(2) == n else m.group(0), url, count=0)
                            for url in variants for v in choices]
            params = {name for _converter, name in PARAMETER.findall(rule.rule)}
            for url in variants:
                yield rule.endpoint, method, url, params


