"""The holder's PDF certificate and signed Open Badges 3.0 credential, and the revocation status list."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from quizbank.certificates import (
    CredentialInvalid,
    missing_required_properties,
    status_bit,
    verify_credential,
)
from quizbank.models import CertificateState, utcnow
from quizbank.services import certification, tracks


@pytest.fixture
def holder(db, make_user, small_bank):  # type: ignore[no-untyped-def]
    track = tracks.save_track(tracks.TrackSpec(
        code="TST-TRACK", name="Test practitioner", description="Knows the test module.", validity_months=12,
        module_codes=("TST",), skills=(("PRAC-01", "Pincer palpation"),)), actor_id=None)
    trainee = make_user(name="Zoë Łukasik")
    cert = certification.grant(actor_id=make_user("admin").id, user_id=trainee.id, track_id=track.id,
                               reason="prior", now=utcnow())
    return trainee, cert


def test_the_holder_downloads_a_readable_pdf_with_name_code_and_verify_link(client, login, holder):
    trainee, cert = holder
    login(trainee)
    response = client.get(f"/trainee/certificates/{cert.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = " ".join(text.split())
    assert "ukasik" in flat and cert.reference in flat
    assert cert.verification_code in flat.replace(" ", "")


def test_the_open_badge_is_signed_complete_and_tamper_evident(app, client, login, holder):
    trainee, cert = holder
    login(trainee)
    token = client.get(f"/trainee/certificates/{cert.id}.jwt").get_data(as_text=True)
    issuer = client.get("/credentials/issuer.json").get_json()
    credential = verify_credential(token, issuer["publicKeyJwk"])
    assert missing_required_properties(credential) == []
    assert "OpenBadgeCredential" in credential["type"] and credential["validUntil"].startswith(
        cert.expires_at.strftime("%Y-%m-%d"))
    assert credential["credentialSubject"]["achievement"]["name"] == "Test practitioner"
    assert credential["credentialStatus"]["statusListCredential"].endswith("/credentials/status/revocation")
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    with pytest.raises(CredentialInvalid):
        verify_credential(tampered, issuer["publicKeyJwk"])


def test_revocation_sets_the_certificates_bit_in_the_signed_status_list(client, login, make_user, holder):
    _trainee, cert = holder
    issuer = client.get("/credentials/issuer.json").get_json()

    def bit() -> bool:
        token = client.get("/credentials/status/revocation").get_data(as_text=True)
        listing = verify_credential(token, issuer["publicKeyJwk"])
        return status_bit(listing["credentialSubject"]["encodedList"], cert.id)

    assert bit() is False
    certification.change_state(actor_id=make_user("admin").id, certificate_id=cert.id, to=CertificateState.REVOKED,
                               reason="scope", now=utcnow())
    assert bit() is True


def test_nobody_downloads_another_holders_documents(client, login, make_user, holder):
    _trainee, cert = holder
    login(make_user())
    assert client.get(f"/trainee/certificates/{cert.id}.pdf").status_code == 404
    assert client.get(f"/trainee/certificates/{cert.id}.jwt").status_code == 404


def test_the_issuer_key_is_generated_once_into_instance_with_private_permissions(app, client, holder):
    from pathlib import Path

    client.get("/credentials/issuer.json")
    key_file = Path(app.instance_path) / "issuer_ed25519.pem"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    first = client.get("/credentials/issuer.json").get_json()
    assert client.get("/credentials/issuer.json").get_json() == first and first["id"].startswith("did:key:z6Mk")
