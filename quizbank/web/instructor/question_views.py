"""Question authoring: bank list, editor, preview, review workflow, history and bulk actions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from quizbank import formats
from quizbank.domain import question_types
from quizbank.domain.types import Difficulty
from quizbank.domain.version_diff import diff
from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import Competency, Module, QuestionVersion, Role, User, VersionStatus
from quizbank.services import authoring, bank_overview, bank_search, preview
from quizbank.services.question_versions import draft_of
from quizbank.web.choices import choices

from .question_form import QuestionForm, attach_problems, draft_from_form, fill_form
from .views import bp


def _competency_choices() -> list:  # type: ignore[type-arg]
    rows = db.session.execute(select(Competency.code, Competency.title, Module.code).join(Module)
                              .order_by(Module.position, Competency.code))
    return choices((code, f"{code} · {title}") for code, title, _module in rows)


def _filters() -> bank_search.BankFilters:
    args = request.args
    return bank_search.BankFilters(
        text=args.get("q", "")[:200], module=args.get("module", ""), competency=args.get("competency", ""),
        qtype=args.get("type", ""), status=args.get("status", ""), difficulty=args.get("difficulty", ""),
        critical=args.get("critical", ""), author_id=args.get("author", type=int), sort=args.get("sort", "id"),
        descending=args.get("dir") == "desc", page=max(1, args.get("page", 1, type=int)))


@bp.get("/questions")
def questions() -> str:
    filters = _filters()
    authors = db.session.scalars(select(User).where(User.role.in_([Role.INSTRUCTOR, Role.ADMIN])).order_by(User.name))
    return render_template(
        "instructor/questions.html", page=bank_search.search(filters), filters=filters,
        modules=db.session.scalars(select(Module).order_by(Module.position)).all(),
        competencies=_competency_choices(), coverage=bank_overview.coverage(), authors=list(authors),
        qtypes=[(t.value, s.label) for t, s in question_types.REGISTRY.items()], statuses=list(VersionStatus),
        difficulties=list(Difficulty), export_formats=formats.available())


def _upload() -> bytes | None:
    file = request.files.get("image")
    return file.read() if file and file.filename else None


@bp.route("/questions/new", methods=["GET", "POST"])
def new_question() -> str | Response:
    form = QuestionForm()
    form.competency.choices = _competency_choices()
    if request.method == "GET" and request.args.get("competency"):
        form.competency.data = request.args["competency"]
    if form.validate_on_submit():
        try:
            version = authoring.create_question(author_id=current_user.id, draft=draft_from_form(form),
                                                image=_upload())
        except authoring.DraftInvalid as exc:
            for message in attach_problems(form, exc.problems):
                flash(message, "danger")
        except DomainError as exc:
            form.image.errors = [exc.message]
        else:
            flash(f"Draft {version.question.external_id} saved. Preview it, then submit it for review.", "success")
            return redirect(url_for("instructor.question", question_id=version.question_id))
    return render_template("instructor/question_form.html", form=form, question=None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit_question(question_id: int) -> str | Response:
    question = bank_search.history(question_id) or abort(404)
    latest = question.versions[-1]
    form = QuestionForm()
    form.competency.choices = _competency_choices()
    if request.method == "GET":
        fill_form(form, draft_of(latest))
    if form.validate_on_submit():
        try:
            version = authoring.save_draft(author_id=current_user.id, question_id=question_id,
                                           draft=draft_from_form(form), image=_upload(),
                                           remove_image=bool(form.remove_image.data))
        except authoring.DraftInvalid as exc:
            for message in attach_problems(form, exc.problems):
                flash(message, "danger")
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"Draft v{version.number} saved. The published version keeps serving until this one is approved.",
                  "success")
            return redirect(url_for("instructor.question", question_id=question_id))
    return render_template("instructor/question_form.html", form=form, question=question, latest=latest)


@bp.get("/questions/<int:question_id>")
def question(question_id: int) -> str:
    return render_template("instructor/question.html", view=preview.preview(question_id))


@bp.post("/questions/<int:question_id>/check")
def check_answer(question_id: int) -> str:
    """The preview's "check my answer": grades what was chosen against the latest version."""
    view = preview.preview(question_id, request.form.to_dict(flat=False))
    if view.check_error:
        flash(view.check_error, "danger")
    return render_template("instructor/question.html", view=view)


WORKFLOW = {
    "submit": lambda vid, form: authoring.submit_for_review(actor_id=current_user.id, version_id=vid),
    "return": lambda vid, form: authoring.return_to_draft(actor_id=current_user.id, version_id=vid,
                                                          comment=form.get("comment", "")),
    "publish": lambda vid, form: authoring.publish(actor_id=current_user.id, version_id=vid),
    "comment": lambda vid, form: authoring.add_comment(actor_id=current_user.id, version_id=vid,
                                                       body=form.get("comment", "")),
}
MESSAGES = {"submit": "Submitted for review.", "return": "Returned to draft with your comments.",
            "publish": "Published: new quizzes draw this version now.", "comment": "Comment added."}


@bp.post("/versions/<int:version_id>/<step>")
def workflow(version_id: int, step: str) -> Response:
    version = db.session.get(QuestionVersion, version_id)
    if version is None or step not in WORKFLOW:
        abort(404)
    question_id = version.question_id
    try:
        WORKFLOW[step](version_id, request.form)
    except authoring.DraftInvalid as exc:
        flash("Not ready for review: " + "; ".join(p.message for p in exc.problems) + ".", "danger")
    except DomainError as exc:
        flash(exc.message, "danger")
    else:
        flash(MESSAGES[step], "success")
    return redirect(url_for("instructor.question", question_id=question_id))


@bp.route("/questions/<int:question_id>/retire", methods=["GET", "POST"])
def retire(question_id: int) -> str | Response:
    question = bank_search.history(question_id) or abort(404)
    if request.method == "POST":
        try:
            authoring.retire(actor_id=current_user.id, question_id=question_id)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"{question.external_id} retired. Past attempts and statistics keep it.", "success")
        return redirect(url_for("instructor.question", question_id=question_id))
    return render_template("instructor/confirm.html", title=f"Retire {question.external_id}?",
                           message="Quizzes stop drawing it. Past attempts, reviews and statistics keep it.",
                           action=url_for("instructor.retire", question_id=question_id), button="Retire")


@bp.get("/questions/<int:question_id>/history")
def history(question_id: int) -> str:
    question = bank_search.history(question_id) or abort(404)
    numbers = [v.number for v in question.versions]
    new = request.args.get("b", numbers[-1], type=int)
    old = request.args.get("a", numbers[-2] if len(numbers) > 1 else numbers[-1], type=int)
    by_number = {v.number: v for v in question.versions}
    if old not in by_number or new not in by_number:
        abort(404)
    lines = diff(draft_of(by_number[old]), draft_of(by_number[new]))
    return render_template("instructor/history.html", question=question, old=old, new=new, lines=lines)


@bp.post("/questions/bulk")
def bulk() -> str | Response:
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    action = request.form.get("action", "")
    competency = request.form.get("competency", "")
    if not ids or action not in authoring.BULK_ACTIONS:
        flash("Choose at least one question and an action.", "warning")
        return redirect(url_for("instructor.questions"))
    if request.form.get("confirmed") != "1":
        return render_template("instructor/bulk_confirm.html", ids=ids, action=action, competency=competency)
    try:
        report = authoring.bulk(actor_id=current_user.id, question_ids=ids, action=action, competency_code=competency)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("instructor.questions"))
    flash(f"{len(report.done)} question(s) done." + (f" Skipped: {'; '.join(report.skipped)}." if report.skipped
                                                      else ""), "success" if not report.skipped else "warning")
    return redirect(url_for("instructor.questions"))
