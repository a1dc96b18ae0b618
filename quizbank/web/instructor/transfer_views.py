"""Importing and exporting question files in the browser."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from quizbank import formats
from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import Competency, Module
from quizbank.services import bank_export, bank_import

from .views import bp


@bp.route("/import", methods=["GET", "POST"])
def import_upload() -> str | WerkzeugResponse:
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash("Choose a file to import.", "warning")
        else:
            try:
                batch = bank_import.start_batch(user_id=current_user.id, filename=upload.filename,
                                                data=upload.read(), format_name=request.form.get("format", ""))
            except DomainError as exc:
                flash(exc.message, "danger")
            else:
                return redirect(url_for("instructor.import_plan", batch_id=batch.id))
    return render_template("instructor/import_upload.html", formats=formats.available())


@bp.route("/import/<int:batch_id>", methods=["GET", "POST"])
def import_plan(batch_id: int) -> str | WerkzeugResponse:
    batch = bank_import.batch_of(current_user.id, batch_id)
    if request.method == "POST":
        mapping = {key.removeprefix("map-"): value for key, value in request.form.items() if key.startswith("map-")}
        bank_import.set_mapping(user_id=current_user.id, batch_id=batch_id, mapping=mapping,
                                default_competency=request.form.get("default_competency", ""))
        return redirect(url_for("instructor.import_plan", batch_id=batch_id))
    try:
        plan = bank_import.plan(batch.data, mapping=batch.mapping, default_competency=batch.default_competency,
                                format_name=batch.format_name)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("instructor.import_upload"))
    competencies = db.session.execute(select(Competency.code, Competency.title).order_by(Competency.code)).all()
    return render_template("instructor/import_plan.html", batch=batch, plan=plan, competencies=competencies)


@bp.post("/import/<int:batch_id>/confirm")
def import_confirm(batch_id: int) -> WerkzeugResponse:
    try:
        result = bank_import.confirm_batch(user_id=current_user.id, batch_id=batch_id)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("instructor.import_plan", batch_id=batch_id))
    flash(f"Imported as drafts for review: {len(result.created)} new question(s), {len(result.new_versions)} new "
          f"version(s); {result.unchanged} unchanged, {result.refused} refused.", "success")
    return redirect(url_for("instructor.questions", status="draft"))


@bp.route("/export", methods=["GET", "POST"])
def export() -> str | WerkzeugResponse:
    source = request.form if request.method == "POST" else request.args
    if not source.get("format"):
        modules = db.session.scalars(select(Module).order_by(Module.position)).all()
        return render_template("instructor/export.html", formats=formats.available(), modules=modules)
    ids = [int(i) for i in source.getlist("ids") if i.isdigit()]
    try:
        result = bank_export.export(source["format"], module_code=source.get("module", ""), question_ids=ids)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("instructor.export"))
    return Response(result.data, mimetype=result.media_type,
                    headers={"Content-Disposition": f"attachment; filename={result.filename}"})
