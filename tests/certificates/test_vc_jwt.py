"""VC-JWT: sign → verify round-trips; any one-character change, another key, a refused alg, extra headers,
mismatched claims and an expired credential all fail verification."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizbank.certificates import (
    CredentialExpired,
    CredentialInvalid,
    CredentialNotYetValid,
    IssuerKey,
    build_open_badge_credential,
    sign_credential,
    verify_credential,
)
from quizbank.certificates.keys import b64url_encode
from quizbank.certificates.vc_jwt import decode_header

from .samples import DURING, ISSUED, VALID_UNTIL, make_facts

KEY = IssuerKey(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"quizbank test issuer").digest()))
OTHER_KEY = IssuerKey(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"someone else").digest()))
CREDENTIAL = build_open_badge_credential(make_facts(issuer_id=KEY.did))
TOKEN = sign_credential(CREDENTIAL, KEY)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _part(token: str, index: int) -> dict:
    segment = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _forge(header: dict, payload: dict, sign=None) -> str:
    head = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(payload).encode())
    signature = sign(f"{head}.{body}".encode()) if sign else b""
    return f"{head}.{body}.{b64url_encode(signature)}"


def test_sign_then_verify_round_trips():
    assert verify_credential(TOKEN, KEY.public_jwk, now=DURING) == CREDENTIAL


def test_the_header_follows_ob3():
    assert decode_header(TOKEN) == {"alg": "EdDSA", "kid": KEY.verification_method, "typ": "JWT"}


def test_the_payload_is_the_credential_plus_the_ob3_claims():
    payload = _part(TOKEN, 1)
    assert "vc" not in payload
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf", "exp")} == CREDENTIAL
    assert payload["iss"] == KEY.did == CREDENTIAL["issuer"]["id"]
    assert payload["jti"] == CREDENTIAL["id"]
    assert payload["sub"] == CREDENTIAL["credentialSubject"]["id"]
    assert payload["nbf"] == int(ISSUED.timestamp()) and payload["exp"] == int(VALID_UNTIL.timestamp())


def test_signing_leaves_the_credential_untouched_and_refuses_existing_claims():
    credential = build_open_badge_credential(make_facts(issuer_id=KEY.did))
    sign_credential(credential, KEY)
    assert credential == CREDENTIAL
    with pytest.raises(ValueError):
        sign_credential({**credential, "exp": 1}, KEY)
    with pytest.raises(ValueError):
        sign_credential({k: v for k, v in credential.items() if k != "validFrom"}, KEY)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0, max_value=len(TOKEN) - 1), replacement=st.sampled_from(B64URL + ".=+/ "))
def test_changing_any_one_character_fails(position, replacement):
    if TOKEN[position] == replacement:
        replacement = "A" if TOKEN[position] != "A" else "B"
    tampered = TOKEN[:position] + replacement + TOKEN[position + 1:]
    with pytest.raises(CredentialInvalid):
        verify_credential(tampered, KEY.public_jwk, now=DURING)


def test_changing_the_last_signature_character_fails_even_when_only_padding_bits_change():
    # 64 bytes -> 86 base64url characters: the last one carries 4 unused bits, which a lax decoder ignores.
    last = TOKEN[-1]
    sibling = B64URL[B64URL.index(last) ^ 1]
    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(TOKEN[:-1] + sibling, KEY.public_jwk, now=DURING)
    assert caught.value.reason in ("malformed", "bad_signature")


def test_a_token_signed_by_another_key_fails():
    other = sign_credential(build_open_badge_credential(make_facts(issuer_id=KEY.did)), OTHER_KEY)
    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(other, KEY.public_jwk, now=DURING)
    assert caught.value.reason == "bad_signature"


def test_a_tampered_payload_with_a_fresh_signature_from_another_key_fails():
    payload = _part(TOKEN, 1)
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    forged = _forge(decode_header(TOKEN), payload, OTHER_KEY.sign)
    with pytest.raises(CredentialInvalid):
        verify_credential(forged, KEY.public_jwk, now=DURING)


def test_alg_none_is_refused():
    forged = _forge({"alg": "none", "typ": "JWT"}, _part(TOKEN, 1))
    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(forged, KEY.public_jwk, now=DURING)
    assert caught.value.reason == "unsupported_alg"


def test_hs256_keyed_with_the_public_key_is_refused():
    secret = json.dumps(KEY.public_jwk).encode()
    forged = _forge({"alg": "HS256", "typ": "JWT"}, _part(TOKEN, 1),
                    lambda data: hmac.new(secret, data, hashlib.sha256).digest())
    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(forged, KEY.public_jwk, now=DURING)
    assert caught.value.reason == "unsupported_alg"


@pytest.mark.parametrize("header", [
    {"alg": "EdDSA", "typ": "JWT", "crit": ["exp"]},
    {"alg": "EdDSA", "typ": "vc+ld+json"},
    {"alg": "EdDSA", "typ": "JWT", "b64": False},
])
def test_headers_outside_ob3_are_refused_even_when_signed(header):
    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(_forge(header, _part(TOKEN, 1), KEY.sign), KEY.public_jwk, now=DURING)
    assert caught.value.reason == "malformed"


@pytest.mark.parametrize(("claim", "value"), [
    ("iss", "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"),
    ("sub", "urn:uuid:00000000-0000-0000-0000-000000000000"),
    ("jti", "https://quizbank.example/verify/OTHER"),
    ("nbf", int(ISSUED.timestamp()) - 1),
    ("exp", int(VALID_UNTIL.timestamp()) + 86400),
    ("exp", None),
])
def test_claims_that_disagree_with_the_credential_are_refused(claim, value):
    payload = _part(TOKEN, 1)
    if value is None:
        del payload[claim]
    else:
        payload[claim] = value
    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(_forge(decode_header(TOKEN), payload, KEY.sign), KEY.public_jwk, now=DURING)
    assert caught.value.reason == "claims_mismatch"


def test_an_expired_credential_is_reported_as_expired():
    with pytest.raises(CredentialExpired) as caught:
        verify_credential(TOKEN, KEY.public_jwk, now=VALID_UNTIL + timedelta(days=1))
    assert caught.value.reason == "expired" and isinstance(caught.value, CredentialInvalid)
    assert "2028-01-15T09:30:00Z" in str(caught.value)


def test_a_credential_before_its_valid_from_is_reported():
    with pytest.raises(CredentialNotYetValid):
        verify_credential(TOKEN, KEY.public_jwk, now=ISSUED - timedelta(hours=1))
    verify_credential(TOKEN, KEY.public_jwk, now=ISSUED - timedelta(seconds=30))  # within the clock-skew leeway


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", TOKEN + ".", "..", "e30.e30.", "W10.e30.AA"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(CredentialInvalid):
        verify_credential(token, KEY.public_jwk, now=DURING)


def test_duplicate_json_members_are_refused():
    head = b64url_encode(b'{"alg":"EdDSA","alg":"none"}')
    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(f"{head}.e30.AA", KEY.public_jwk, now=DURING)
    assert caught.value.reason == "malformed"


@pytest.mark.parametrize("jwk", [
    {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
    {"kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    {**KEY.public_jwk, "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
])
def test_a_key_that_is_not_a_public_ed25519_jwk_is_a_programming_error(jwk):
    with pytest.raises(ValueError):
        verify_credential(TOKEN, jwk, now=DURING)


def test_non_ascii_names_survive_signing():
    token = sign_credential(build_open_badge_credential(make_facts(issuer_id=KEY.did, holder_name="Nguyễn Thị Minh")),
                            KEY)
    credential = verify_credential(token, KEY.public_jwk, now=DURING)
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == "Nguyễn Thị Minh"


def test_every_position_changed_to_its_neighbour_letter_fails():
    for position, char in enumerate(TOKEN):
        if char == ".":
            continue
        tampered = TOKEN[:position] + B64URL[(B64URL.index(char) + 1) % 64] + TOKEN[position + 1:]
        with pytest.raises(CredentialInvalid):
            verify_credential(tampered, KEY.public_jwk, now=DURING)
