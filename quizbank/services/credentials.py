"""Certificates as documents: the PDF with its QR code, the signed Open Badges 3.0 credential, and the
revocation status list those credentials point to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from quizbank.certificates import (
    CertificateFacts,
    IssuerKey,
    RevocationInfo,
    build_open_badge_credential,
    encode_status_list,
    load_or_create_issuer_key,
    render_certificate_pdf,
    sign_credential,
)
from quizbank.domain.certification import public_status
from quizbank.extensions import db
from quizbank.models import Certificate, CertificateState, utcnow

from .certification import expiring_window, owned_certificate

ISSUER_NAME = "quizbank"


def issuer_key() -> IssuerKey:
    """The Ed25519 signing key, generated into instance/ on first use and kept there."""
    cached = current_app.extensions.get("quizbank_issuer_key")
    if cached is None:
        cached = load_or_create_issuer_key(Path(current_app.instance_path))
        current_app.extensions["quizbank_issuer_key"] = cached
    return cached


def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def verify_url(certificate: Certificate) -> str:
    return f"{_base_url()}/verify/{certificate.verification_code}"


def status_list_url() -> str:
    return f"{_base_url()}/credentials/status/revocation"


def _holder_id(certificate: Certificate) -> str:
    # Opaque and stable per holder; derived with the instance secret so it cannot be guessed from the user id.
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, current_app.config["SECRET_KEY"])
    return f"urn:uuid:{uuid.uuid5(namespace, f'holder-{certificate.user_id}')}"


def facts(certificate: Certificate, now: datetime) -> CertificateFacts:
    track = certificate.track
    modules = ", ".join(m.code for m in track.modules)
    skills = "; ".join(s.title for s in track.skills)
    return CertificateFacts(
        certificate_id=verify_url(certificate),
        holder_name=certificate.user.name,
        holder_id=_holder_id(certificate),
        track_name=track.name,
        track_description=track.description or track.name,
        criteria_narrative=(f"Passed the knowledge modules {modules} under their pass rules, including every "
                            f"safety-critical item, and was observed competent in: {skills}."),
        issuer_name=ISSUER_NAME,
        issuer_url=_base_url(),
        issuer_id=issuer_key().did,
        issued_at=certificate.issued_at,
        valid_until=certificate.expires_at,
        status=public_status(certificate.state.value, certificate.expires_at, now, expiring_window()),
        achievement_id=f"{_base_url()}/credentials/achievements/{track.code}",
        revocation=RevocationInfo(status_list_url(), certificate.id),
        holder_email=certificate.user.email,
    )


def certificate_pdf(user_id: int, certificate_id: int) -> tuple[bytes, str]:
    cert = owned_certificate(user_id, certificate_id)
    return render_certificate_pdf(facts(cert, utcnow()), verify_url(cert), cert.reference), cert.reference


def signed_credential(user_id: int, certificate_id: int) -> tuple[str, str]:
    cert = owned_certificate(user_id, certificate_id)
    credential = build_open_badge_credential(facts(cert, utcnow()))
    return sign_credential(credential, issuer_key()), cert.reference


def revocation_list_credential() -> str:
    """A signed BitstringStatusListCredential in which every revoked or suspended certificate's bit is set."""
    revoked = db.session.scalars(select(Certificate.id).where(
        Certificate.state.in_([CertificateState.REVOKED, CertificateState.SUSPENDED])))
    now = datetime.now(UTC).replace(microsecond=0)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": status_list_url(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_key().did, "type": ["Profile"], "name": ISSUER_NAME},
        "validFrom": now.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {"id": f"{status_list_url()}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encode_status_list(revoked)},
    }
    return sign_credential(credential, issuer_key())
