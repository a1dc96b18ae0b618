"""Sign in, sign out, change password, accept an invitation."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from quizbank.extensions import limiter
from quizbank.services import people
from quizbank.web.authz import home_endpoint
from quizbank.web.safe_redirect import safe_next

from .forms import ChangePasswordForm, LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "account:" + people.normalise_email(request.form.get("email", ""))


def _limit(name: str):  # type: ignore[no-untyped-def]
    return lambda: current_app.config[name]


# Every sign-in attempt is counted before the password is checked: counting only failures (after the
# response) lets parallel guesses all pass the check before any is counted, across workers.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"], scope="login-account",
               error_message="Too many sign-in attempts for this account. Wait 15 minutes, then try again.")
@limiter.limit(_limit("LOGIN_LIMIT_PER_ADDRESS"), methods=["POST"], scope="login-address",
               error_message="Too many sign-in attempts from this network. Wait 15 minutes, then try again.")
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    form = LoginForm()
    if form.validate_on_submit():
        result = people.authenticate(form.email.data or "", form.password.data or "")
        if result.user is not None:
            people.log_in(result.user)
            login_user(result.user)
            target = safe_next(request.args.get("next")) or url_for(home_endpoint(result.user.role))
            return redirect(target)
        form.password.errors.append(result.reason)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    people.log_out(current_user.session_token)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = current_user._get_current_object()
            user.session_token = people.change_password(user.id, form.current_password.data or "",
                                                        form.new_password.data or "")
        except people.PasswordRejected as exc:
            form.new_password.errors.extend(exc.problems)
        except people.DomainError as exc:
            form.current_password.errors.append(exc.message)
        else:
            login_user(user)  # the cookie now names the fresh session
            flash("Your password was changed. Other browsers signed in to your account were signed out.", "success")
            return redirect(url_for(home_endpoint(current_user.role)))
    return render_template("auth/change_password.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response:
    user = people.invitation_user(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            people.accept_invitation(token, form.new_password.data or "")
        except people.PasswordRejected as exc:
            form.new_password.errors.extend(exc.problems)
        else:
            flash("Your password is set. Sign in with your email and the new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, invited=user)
