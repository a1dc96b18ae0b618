"""Navigation by role, offered to every template."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from quizbank.models import Role

NAV = {
    Role.TRAINEE: [("trainee.dashboard", "Dashboard"), ("trainee.certification_progress", "Certification")],
    Role.INSTRUCTOR: [("instructor.home", "Coverage"), ("instructor.questions", "Questions"),
                      ("instructor.import_upload", "Import"), ("instructor.export", "Export"),
                      ("instructor.statistics_index", "Statistics"), ("instructor.studies", "Standard setting"),
                      ("instructor.trainees", "Trainees")],
    Role.ADMIN: [("admin.home", "Overview"), ("admin.certification_dashboard", "Certification"),
                 ("admin.users", "Users"), ("admin.cohorts", "Cohorts"), ("admin.track_list", "Tracks"),
                 ("admin.audit", "Audit log")],
}


def init_app(app: Flask) -> None:
    @app.context_processor
    def _nav() -> dict[str, object]:
        if current_user.is_authenticated:
            return {"nav_links": NAV.get(current_user.role, [])}
        return {"nav_links": []}
