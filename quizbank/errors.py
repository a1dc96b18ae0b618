"""Domain errors become HTTP statuses; every error page is ours, with a correlation id on 500."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal a person can act on; the message is shown to them."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "File too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _render(status: int, message: str, correlation_id: str | None = None):  # type: ignore[no-untyped-def]
    if _wants_json():
        body = {"error": TITLES.get(status, "Error"), "message": message}
        if correlation_id:
            body["correlation_id"] = correlation_id
        return jsonify(body), status
    return (
        render_template(
            "errors/error.html", status=status, title=TITLES.get(status, "Error"),
            message=message, correlation_id=correlation_id,
        ),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return _render(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        message = {
            403: "Your account does not have access to this page.",
            404: "There is nothing at this address. Check the link, or go back to your dashboard.",
            413: "The upload is larger than this site accepts.",
            429: "Too many attempts. Wait a few minutes, then try again.",
        }.get(status, exc.description or "")
        if status == 429 and exc.description:
            message = exc.description  # every limit we set carries its own plain-language message
        return _render(status, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        correlation_id = secrets.token_hex(6)
        log.exception("unhandled error %s on %s %s", correlation_id, request.method, request.path)
        return _render(500, "The error was logged. Quote this reference if you contact support.", correlation_id)
