"""The instructor's side: the question bank."""

from __future__ import annotations

from flask import Blueprint, render_template

from quizbank.models import Role
from quizbank.web.authz import guard

bp = Blueprint("instructor", __name__, url_prefix="/instructor")
guard(bp, Role.INSTRUCTOR, Role.ADMIN)


@bp.get("/")
def home() -> str:
    return render_template("instructor/home.html", modules=[])
