"""Administration: accounts and cohorts."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import Cohort, Role, User
from quizbank.services import directory, people
from quizbank.web.authz import guard

from .forms import CohortForm, ConfirmForm, NewUserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard(bp, Role.ADMIN)


@bp.get("/")
def home() -> str:
    users = directory.search_users(per_page=1)
    return render_template("admin/home.html", user_count=users.total, cohorts=directory.cohorts_with_counts())


@bp.get("/users")
def users() -> str:
    role_value = request.args.get("role", "")
    role = Role(role_value) if role_value in {r.value for r in Role} else None
    page = directory.search_users(request.args.get("q", ""), role, request.args.get("page", 1, type=int))
    return render_template("admin/users.html", page=page, q=request.args.get("q", ""), role=role_value,
                           roles=list(Role), confirm=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> str | Response:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = people.create_user(email=form.email.data or "", name=form.name.data or "",
                                      role=Role(form.role.data), password=form.password.data or None,
                                      actor_id=current_user.id)
        except people.PasswordRejected as exc:
            form.password.errors.extend(exc.problems)
        except DomainError as exc:
            form.email.errors.append(exc.message)
        else:
            flash(f"Account created for {user.name} ({user.role.value}).", "success")
            if user.password_hash is None:
                return _show_invitation(user)
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form)


def _show_invitation(user: User) -> str:
    hours = current_app.config["INVITE_VALID_HOURS"]
    token = people.invite(user.id, actor_id=current_user.id, valid_hours=hours)
    link = url_for("auth.accept_invitation", token=token, _external=True)
    return render_template("admin/invitation.html", user=user, link=link, hours=hours)


@bp.post("/users/<int:user_id>/invite")
def invite(user_id: int) -> str:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    return _show_invitation(user)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    user = people.set_active(user_id, active, actor_id=current_user.id)
    flash(f"{user.name} is {'active again' if active else 'deactivated; their records are kept'}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/cohorts", methods=["GET", "POST"])
def cohorts() -> str | Response:
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = people.create_cohort(form.name.data or "", form.description.data or "", actor_id=current_user.id)
        except DomainError as exc:
            form.name.errors.append(exc.message)
        else:
            flash(f"Cohort {cohort.name} created.", "success")
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    return render_template("admin/cohorts.html", cohorts=directory.cohorts_with_counts(), form=form)


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int) -> str:
    cohort = db.get_or_404(Cohort, cohort_id)
    candidates = directory.search_users(request.args.get("q", ""), None, 1, 20) if request.args.get("q") else None
    return render_template("admin/cohort.html", cohort=cohort, candidates=candidates, confirm=ConfirmForm(),
                           q=request.args.get("q", ""))


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>")
def membership(cohort_id: int, user_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    people.set_membership(cohort_id, user_id, request.form.get("member") == "1", actor_id=current_user.id)
    flash("Cohort updated.", "success")
    return redirect(url_for("admin.cohort", cohort_id=cohort_id))
