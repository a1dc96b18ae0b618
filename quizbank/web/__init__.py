"""Blueprints: thin views that parse a form, call one service, and render or redirect."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .admin import certification_views  # noqa: F401 - registers its routes on the admin blueprint
    from .admin.views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .instructor import (  # noqa: F401 - register their routes on the instructor blueprint
        question_views,
        standard_setting_views,
        stats_views,
        transfer_views,
    )
    from .instructor.views import bp as instructor_bp
    from .public.views import bp as public_bp
    from .trainee.views import bp as trainee_bp

    for blueprint in (public_bp, auth_bp, trainee_bp, instructor_bp, admin_bp):
        app.register_blueprint(blueprint)

    from .after_response import init_app as init_after_response
    from .layout_urls import init_app as init_layout_urls
    from .nav import init_app as init_nav
    from .rendering import init_app as init_rendering

    init_after_response(app)
    init_layout_urls(app)
    init_nav(app)
    init_rendering(app)
