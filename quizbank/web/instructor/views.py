"""The instructor's side: bank coverage, trainees, practical sign-offs, hours and extra attempts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import HoursKind, Module, Role, SignOffOutcome, TrackSkill
from quizbank.services import bank_overview, directory, practicals, progress, trainee_file
from quizbank.web.admin.cert_forms import ExtraAttemptForm
from quizbank.web.authz import guard
from quizbank.web.choices import choices
from quizbank.web.clock import now

from .forms import HoursForm, SignOffForm

bp = Blueprint("instructor", __name__, url_prefix="/instructor")
guard(bp, Role.INSTRUCTOR, Role.ADMIN)


@bp.get("/")
def home() -> str:
    return render_template("instructor/home.html", modules=bank_overview.coverage())


@bp.get("/trainees")
def trainees() -> str:
    page = directory.search_users(request.args.get("q", ""), Role.TRAINEE, request.args.get("page", 1, type=int))
    return render_template("instructor/trainees.html", page=page, q=request.args.get("q", ""))


def _forms() -> tuple[SignOffForm, HoursForm, ExtraAttemptForm]:
    signoff = SignOffForm(prefix="signoff")
    skills = db.session.execute(db.select(TrackSkill).order_by(TrackSkill.code)).scalars().all()
    signoff.skill.choices = choices((s.id, f"{s.code} · {s.title}") for s in skills)
    extra = ExtraAttemptForm(prefix="extra")
    extra.module.choices = choices((m.code, f"{m.code} · {m.title}")
                                   for m in db.session.scalars(db.select(Module).order_by(Module.position)))
    return signoff, HoursForm(prefix="hours"), extra


@bp.route("/trainees/<int:user_id>", methods=["GET", "POST"])
def trainee(user_id: int) -> str | Response:
    record = trainee_file.trainee_file(user_id)
    signoff, hours, extra = _forms()
    try:
        if signoff.submit.data and signoff.validate_on_submit():
            practicals.sign_off(supervisor_id=current_user.id, trainee_id=user_id, skill_id=signoff.skill.data,
                                observed_on=signoff.observed_on.data, outcome=SignOffOutcome(signoff.outcome.data),
                                notes=signoff.notes.data or "", now=now())
            flash("Sign-off recorded.", "success")
            return redirect(url_for("instructor.trainee", user_id=user_id))
        if hours.submit.data and hours.validate_on_submit():
            practicals.record_hours(actor_id=current_user.id, trainee_id=user_id, kind=HoursKind(hours.kind.data),
                                    hours=float(hours.hours.data), done_on=hours.done_on.data,
                                    note=hours.note.data or "", now=now())
            flash("Hours recorded.", "success")
            return redirect(url_for("instructor.trainee", user_id=user_id))
        if extra.submit.data and extra.validate_on_submit():
            progress.grant_extra_attempt(actor_id=current_user.id, trainee_id=user_id, module_code=extra.module.data,
                                         reason=extra.reason.data or "")
            flash(f"One extra {extra.module.data} attempt granted.", "success")
            return redirect(url_for("instructor.trainee", user_id=user_id))
    except DomainError as exc:
        flash(exc.message, "danger")
    return render_template("instructor/trainee.html", record=record, signoff=signoff, hours=hours, extra=extra)
