"""Item and test statistics for instructors (trainees never reach these: the blueprint is guarded)."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, abort, render_template, request
from sqlalchemy import func, select

from quizbank.domain.csv_safety import neutralise
from quizbank.extensions import db
from quizbank.models import Attempt, AttemptStatus, Module
from quizbank.services import statistics

from .charts import DRAWINGS, render
from .views import bp


def _query(code: str) -> statistics.StatsQuery:
    def _date(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return statistics.StatsQuery(code, first_attempts_only=request.args.get("attempts") == "first",
                                 since=_date("from"), until=_date("to"))


@bp.get("/statistics")
def statistics_index() -> str:
    counts = dict(db.session.execute(select(Attempt.module_id, func.count(Attempt.id))
                                     .where(Attempt.status == AttemptStatus.GRADED).group_by(Attempt.module_id)).all())
    modules = db.session.scalars(select(Module).order_by(Module.position)).all()
    return render_template("instructor/statistics_index.html", modules=modules, counts=counts)


@bp.get("/statistics/<code>")
def module_statistics(code: str) -> str:
    stats = statistics.module_statistics(_query(code))
    return render_template("instructor/statistics.html", stats=stats, args=request.args)


@bp.get("/statistics/<code>/items.csv")
def item_csv(code: str) -> Response:
    stats = statistics.module_statistics(_query(code))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in statistics.item_csv_rows(stats):
        writer.writerow([neutralise("" if v is None else (f"{v:.4f}" if isinstance(v, float) else v)) for v in row])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={code}-items.csv"})


@bp.get("/statistics/<code>/chart/<kind>.svg")
def chart(code: str, kind: str) -> Response:
    if kind not in DRAWINGS:
        abort(404)
    response = Response(render(kind, statistics.module_statistics(_query(code))), mimetype="image/svg+xml")
    # Shown through <img>, where an SVG cannot run script; its own styles are inline, so allow only those.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; "
                                                   "frame-ancestors 'none'")
    return response
