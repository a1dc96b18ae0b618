"""Pages anyone may open."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from quizbank.web.authz import home_endpoint

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return render_template("public/index.html")
