"""Deny by default: each role's blueprint is guarded once, here."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from quizbank.extensions import login_manager
from quizbank.models import Role


def guard(blueprint: Blueprint, *roles: Role) -> None:
    """Every route of `blueprint` needs a signed-in user with one of `roles`; others get 403."""

    @blueprint.before_request
    def _check():  # type: ignore[no-untyped-def]
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None


def home_endpoint(role: Role) -> str:
    return {
        Role.TRAINEE: "trainee.dashboard",
        Role.INSTRUCTOR: "instructor.home",
        Role.ADMIN: "admin.home",
    }[role]
