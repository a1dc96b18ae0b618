"""Standard setting (modified Angoff) for instructors; adopting the cut score is the admins' step."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import Module, Role, User
from quizbank.services import standard_setting

from .views import bp


@bp.route("/standard-setting", methods=["GET", "POST"])
def studies() -> str | Response:
    if request.method == "POST":
        try:
            study = standard_setting.open_study(
                actor_id=current_user.id, module_code=request.form.get("module", ""),
                panel_ids=[int(i) for i in request.form.getlist("panel") if i.isdigit()])
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash("Study opened. Each panellist now rates every item.", "success")
            return redirect(url_for("instructor.study", study_id=study.id))
    instructors = db.session.scalars(select(User).where(User.role.in_([Role.INSTRUCTOR, Role.ADMIN]),
                                                        User.active.is_(True)).order_by(User.name))
    return render_template("instructor/studies.html", studies=standard_setting.studies(),
                           modules=db.session.scalars(select(Module).order_by(Module.position)).all(),
                           instructors=list(instructors))


@bp.route("/standard-setting/<int:study_id>", methods=["GET", "POST"])
def study(study_id: int) -> str | Response:
    if request.method == "POST":
        try:
            if request.form.get("step") == "advance":
                standard_setting.advance(actor_id=current_user.id, study_id=study_id)
                flash("The study moved on.", "success")
            else:
                percents = {}
                for key, value in request.form.items():
                    if key.startswith("rating-") and value.strip():
                        percents[int(key.removeprefix("rating-"))] = float(value)
                standard_setting.save_ratings(rater_id=current_user.id, study_id=study_id, percents=percents)
                flash(f"{len(percents)} rating(s) saved.", "success")
        except ValueError:
            flash("Ratings are numbers from 0 to 100.", "danger")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for("instructor.study", study_id=study_id))
    return render_template("instructor/study.html", view=standard_setting.view(study_id, current_user.id))
