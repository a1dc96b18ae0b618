"""Cross-cutting protections: security headers, no-store on private pages, login-session loading."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from .extensions import login_manager

PRIVATE_PREFIXES = ("/attempts", "/trainee", "/instructor", "/admin", "/account", "/api/")


# No inline scripts anywhere: every script is a file under /static. Built once: every response carries it.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our server-side login sessions do this job

    @login_manager.user_loader
    def _load(token: str):  # type: ignore[no-untyped-def]
        from .services.sessions import resolve_session

        return resolve_session(
            token,
            idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
            absolute_hours=current_app.config["SESSION_ABSOLUTE_HOURS"],
        )

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith(PRIVATE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        return response
