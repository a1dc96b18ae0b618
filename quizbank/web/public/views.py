"""Pages anyone may open: the start page and certificate verification."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from quizbank.services import certification, images
from quizbank.web.authz import home_endpoint
from quizbank.web.clock import now

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return render_template("public/index.html")


@bp.get("/verify")
def verify_form() -> str | Response:
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("public.verify", code=code))
    return render_template("public/verify_form.html")


def _answer_in_constant_time(started: float, response):  # type: ignore[no-untyped-def]
    # Found and unknown codes answer after the same floor, so timing tells nothing about which it was.
    floor = float(current_app.config.get("VERIFY_MIN_SECONDS", 0.08))
    remaining = floor - (time.perf_counter() - started)
    if remaining > 0:
        time.sleep(remaining)
    return response


@bp.get("/verify/<code>")
def verify(code: str) -> Response:
    started = time.perf_counter()
    as_json = code.endswith(".json")
    code = code.removesuffix(".json")
    found = certification.verify(code, now())
    if as_json:
        if found is None:
            body, status = jsonify(found=False, message="not found"), 404
        else:
            body, status = jsonify(
                found=True, holder=found.holder, track=found.track, status=found.status, reference=found.reference,
                issued_at=found.issued_at.isoformat(), expires_at=found.expires_at.isoformat(),
                status_changed_at=found.changed_at.isoformat() if found.changed_at else None,
            ), 200
        return _answer_in_constant_time(started, (body, status))
    if found is None:
        page = render_template("public/verify.html", found=None, code=code), 404
    else:
        page = render_template("public/verify.html", found=found, code=code)
    return _answer_in_constant_time(started, page)


@bp.get("/media/<digest>")
@login_required
def image(digest: str) -> Response:
    """A question image, served only as the type its content was verified to be."""
    stored = images.image_by_hash(digest) if len(digest) == 64 else None
    if stored is None:
        abort(404)
    response = make_response(stored.data)
    response.headers["Content-Type"] = stored.media_type
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/credentials/issuer.json")
def issuer() -> Response:
    """The issuer's public key, so anyone can check a downloaded Open Badges credential offline."""
    from quizbank.services import credentials

    key = credentials.issuer_key()
    return jsonify(id=key.did, name=credentials.ISSUER_NAME, publicKeyJwk=key.public_jwk,
                   verificationMethod=key.verification_method)


@bp.get("/credentials/status/revocation")
def revocation_list() -> Response:
    """The signed revocation status list that every issued credential points to."""
    from quizbank.services import credentials

    response = make_response(credentials.revocation_list_credential())
    response.headers["Content-Type"] = "application/vc+jwt"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/healthz")
def health() -> Response:
    return jsonify(ok=True)


