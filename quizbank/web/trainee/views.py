"""The trainee's side: dashboard, module page, taking an attempt, result and review."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from quizbank.models import Role
from quizbank.services import attempts, progress
from quizbank.web.authz import guard
from quizbank.web.clock import grace_seconds, now

bp = Blueprint("trainee", __name__, url_prefix="/trainee")
guard(bp, Role.TRAINEE)


@bp.get("/")
def dashboard() -> str:
    attempts.close_expired(now=now(), grace_seconds=grace_seconds(), user_id=current_user.id)
    return render_template("trainee/dashboard.html", rows=progress.dashboard(current_user.id, now()))


@bp.get("/modules/<code>")
def module(code: str) -> str:
    module = attempts.module_by_code(code)
    row = next(r for r in progress.dashboard(current_user.id, now()) if r.module.id == module.id)
    return render_template("trainee/module.html", module=module, row=row,
                           history=progress.attempts_of(current_user.id, module.id))


@bp.post("/modules/<code>/start")
def start(code: str) -> Response:
    try:
        attempt_id = attempts.open_attempt(current_user.id, code, now=now(), grace_seconds=grace_seconds())
    except attempts.AttemptRefused as exc:
        opens = f" It opens on {exc.opens_at:%d %b %Y at %H:%M} UTC." if exc.opens_at else ""
        flash(exc.message + opens, "warning")
        return redirect(url_for("trainee.module", code=code))
    except attempts.BankIncomplete as exc:
        flash(exc.message, "warning")
        return redirect(url_for("trainee.module", code=code))
    return redirect(url_for("trainee.question", attempt_id=attempt_id, position=1))


@bp.get("/attempts/<int:attempt_id>/q/<int:position>")
def question(attempt_id: int, position: int) -> str | Response:
    try:
        page = progress.attempt_page(current_user.id, attempt_id, position, now())
    except progress.AttemptClosed:
        return redirect(url_for("trainee.result", attempt_id=attempt_id))
    return render_template("trainee/question.html", page=page, attempt=page.attempt)


def _wants_json() -> bool:
    return request.headers.get("X-Autosave") == "1"


@bp.post("/attempts/<int:attempt_id>/q/<int:position>")
def save(attempt_id: int, position: int) -> Response:
    try:
        result = attempts.save_answer(current_user.id, attempt_id, position, request.form.to_dict(flat=False),
                                      flagged=request.form.get("flagged") == "1", now=now(),
                                      grace_seconds=grace_seconds(),
                                      seconds_spent=request.form.get("spent", 0, type=int) or 0)
    except attempts.AnswerRejected as exc:
        if _wants_json():
            return jsonify(saved=False, error=exc.message), exc.status
        flash(exc.message, "danger")
        return redirect(url_for("trainee.question", attempt_id=attempt_id, position=position))
    if result.closed:
        if _wants_json():
            return jsonify(saved=False, closed=True, message=result.message,
                           redirect=url_for("trainee.result", attempt_id=attempt_id))
        flash(result.message, "warning")
        return redirect(url_for("trainee.result", attempt_id=attempt_id))
    if _wants_json():
        return jsonify(saved=True)
    return redirect(_next_url(attempt_id, position, request.form.get("go", "next")))


def _next_url(attempt_id: int, position: int, go: str) -> str:
    if go == "overview":
        return url_for("trainee.overview", attempt_id=attempt_id)
    if go == "prev":
        return url_for("trainee.question", attempt_id=attempt_id, position=max(1, position - 1))
    if go.isdigit():
        return url_for("trainee.question", attempt_id=attempt_id, position=int(go))
    _attempt, statuses = progress.attempt_statuses(current_user.id, attempt_id)
    if position >= len(statuses):
        return url_for("trainee.overview", attempt_id=attempt_id)
    return url_for("trainee.question", attempt_id=attempt_id, position=position + 1)


@bp.get("/attempts/<int:attempt_id>")
def overview(attempt_id: int) -> str | Response:
    attempt, statuses = progress.attempt_statuses(current_user.id, attempt_id)
    if attempt.status.value != "in_progress":
        return redirect(url_for("trainee.result", attempt_id=attempt_id))
    return render_template("trainee/overview.html", attempt=attempt, statuses=statuses,
                           seconds_left=max(0, int((attempt.deadline_at - now()).total_seconds())))


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int) -> Response:
    result = attempts.submit(current_user.id, attempt_id, now=now(), grace_seconds=grace_seconds())
    if result.already_submitted:
        flash("This attempt was already submitted; here is its result.", "info")
    return redirect(url_for("trainee.result", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int) -> str | Response:
    try:
        reviewed = progress.review(current_user.id, attempt_id)
    except progress.AttemptStillOpen:
        return redirect(url_for("trainee.overview", attempt_id=attempt_id))
    return render_template("trainee/result.html", review=reviewed, attempt=reviewed.attempt)


@bp.get("/certification")
def certification_progress() -> str:
    from quizbank.services import certification

    return render_template("trainee/certification.html", tracks=certification.progress_of(current_user.id, now()))


@bp.get("/certificates/<int:certificate_id>.pdf")
def certificate_pdf(certificate_id: int) -> Response:
    from quizbank.services import credentials

    data, reference = credentials.certificate_pdf(current_user.id, certificate_id)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=certificate-{reference}.pdf"})


@bp.get("/certificates/<int:certificate_id>.jwt")
def certificate_credential(certificate_id: int) -> Response:
    from quizbank.services import credentials

    token, reference = credentials.signed_credential(current_user.id, certificate_id)
    return Response(token, mimetype="application/jwt",
                    headers={"Content-Disposition": f"attachment; filename=open-badge-{reference}.jwt"})
