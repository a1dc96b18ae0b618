"""The trainee's side: dashboard, modules, attempts."""

from __future__ import annotations

from flask import Blueprint, render_template

from quizbank.models import Role
from quizbank.web.authz import guard

bp = Blueprint("trainee", __name__, url_prefix="/trainee")
guard(bp, Role.TRAINEE)


@bp.get("/")
def dashboard() -> str:
    return render_template("trainee/dashboard.html", rows=[])
