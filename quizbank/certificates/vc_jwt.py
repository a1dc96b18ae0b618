"""Sign and verify an OpenBadgeCredential as a VC-JWT (compact JWS, EdDSA over Ed25519).

Shape followed: Open Badges 3.0 (VC 2.0 edition, doc. 1.4.1) §8.2 "JSON Web Token Proof Format":

* JOSE header (§8.2.3): only ``alg``, ``kid``, ``jwk`` and ``typ`` are allowed ("Additional JOSE Headers are
  NOT allowed"), and ``typ``, if present, MUST be "JWT". So we send ``{"alg": "EdDSA", "kid": <did:key
  verification method>, "typ": "JWT"}`` — not VC-JOSE-COSE's "vc+jwt", which OB 3.0 does not allow.
  ``alg``: OB 3.0 requires RS256 support as a minimum and permits others; we use EdDSA (RFC 8037).
* JWT payload (§8.2.4): "the JSON object of the OpenBadgeCredential" itself (VC 2.0 style, no ``vc`` claim)
  plus ``iss`` = issuer.id, ``jti`` = id, ``sub`` = credentialSubject.id, ``nbf`` = validFrom and
  ``exp`` = validUntil (NumericDate, required when validUntil is present).
* Verification (§8.2.6/§8.2.6.1): signature per RFC 7515 §5.2, then each claim must match the credential,
  then the validity window.

The public key is always the caller's: a ``jwk`` in the header is never trusted, and ``kid`` is not
dereferenced here (the app knows its own key; a did:key ``kid`` can be turned into a JWK with
``keys.public_bytes_from_did_key``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature

from .keys import IssuerKey, b64url_decode, b64url_encode, public_key_from_jwk
from .open_badges import parse_datetime_z

ALGORITHM = "EdDSA"
TOKEN_TYPE = "JWT"  # noqa: S105 - the JOSE "typ" value, not a secret
ALLOWED_HEADERS = frozenset({"alg", "kid", "jwk", "typ"})
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp")


class CredentialInvalid(Exception):
    """The token is not a valid credential. ``reason`` is one of: "malformed", "unsupported_alg",
    "bad_signature", "claims_mismatch", "expired", "not_yet_valid"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class CredentialExpired(CredentialInvalid):
    """Authentic, but past its validUntil (``exp``)."""


class CredentialNotYetValid(CredentialInvalid):
    """Authentic, but before its validFrom (``nbf``)."""


def _numeric_date(text: str) -> int:
    return int(parse_datetime_z(text).timestamp())


def _issuer_id(credential: dict) -> object:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _subject_id(credential: dict) -> object:
    subject = credential.get("credentialSubject")
    return subject.get("id") if isinstance(subject, dict) else None


def _json_bytes(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def jwt_claims(credential: dict) -> dict:
    """The registered claims OB 3.0 §8.2.4 derives from credential. Raises ValueError when the credential
    lacks what they need (id, issuer id, credentialSubject.id, validFrom)."""
    claims = {"iss": _issuer_id(credential), "jti": credential.get("id"), "sub": _subject_id(credential)}
    for name, value in claims.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"cannot derive the JWT {name!r} claim: the credential lacks it")
    try:
        claims["nbf"] = _numeric_date(credential["validFrom"])
        if "validUntil" in credential:
            claims["exp"] = _numeric_date(credential["validUntil"])
    except (KeyError, ValueError) as exc:
        raise ValueError("the credential needs validFrom (and validUntil, if any) as DateTimeZ") from exc
    return claims


def sign_credential(credential: dict, key: IssuerKey) -> str:
    """Compact JWS (``header.payload.signature``) of credential signed by key. The payload is the credential
    plus iss/jti/sub/nbf/exp; credential itself is not modified. Raises ValueError when the credential
    already carries JWT claims or lacks what the claims are derived from."""
    clash = [name for name in JWT_CLAIMS if name in credential]
    if clash:
        raise ValueError(f"the credential already has JWT claims {clash}")
    payload = {**credential, **jwt_claims(credential)}
    header = {"alg": ALGORITHM, "kid": key.verification_method, "typ": TOKEN_TYPE}
    signing_input = f"{b64url_encode(_json_bytes(header))}.{b64url_encode(_json_bytes(payload))}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate member {name!r}")
        result[name] = value
    return result


def _decode_json(segment: str, what: str) -> dict:
    try:
        value = json.loads(b64url_decode(segment).decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CredentialInvalid("malformed", f"the {what} is not base64url JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise CredentialInvalid("malformed", f"the {what} is not a JSON object")
    return value


def decode_header(token: str) -> dict:
    """The JOSE header of a compact JWS, unverified (to pick a key by ``kid``). Raises CredentialInvalid."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise CredentialInvalid("malformed", "a compact JWS has exactly three dot-separated parts")
    return _decode_json(token.split(".", 1)[0], "JOSE header")


def verify_credential(
    token: str, public_jwk: dict, *, now: datetime | None = None, leeway: timedelta = timedelta(seconds=60)
) -> dict:
    """Verify token against public_jwk (an OKP Ed25519 JWK) and return the credential: the payload without
    the iss/jti/sub/nbf/exp claims. Raises CredentialInvalid (``reason`` says why) for a malformed token,
    any alg but EdDSA (so "none" and HS256 too), extra or wrong headers, a bad signature, claims that
    disagree with the credential; CredentialExpired / CredentialNotYetValid (subclasses) outside the
    validity window, judged at now (default: the current time) with leeway for clock skew. Raises
    ValueError if public_jwk is not an Ed25519 public JWK."""
    public_key = public_key_from_jwk(public_jwk)
    header = decode_header(token)
    header_b64, payload_b64, signature_b64 = token.split(".")
    if header.get("alg") != ALGORITHM:
        raise CredentialInvalid("unsupported_alg", f"alg {header.get('alg')!r} is refused; only EdDSA is accepted")
    extra = sorted(set(header) - ALLOWED_HEADERS)
    if extra:
        raise CredentialInvalid("malformed", f"JOSE headers not allowed by OB 3.0: {extra}")
    if "typ" in header and header["typ"] != TOKEN_TYPE:
        raise CredentialInvalid("malformed", f"typ must be {TOKEN_TYPE!r}")
    try:
        signature = b64url_decode(signature_b64)
    except ValueError as exc:
        raise CredentialInvalid("malformed", "the signature is not canonical base64url") from exc
    try:
        public_key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except InvalidSignature as exc:
        raise CredentialInvalid("bad_signature", "the signature does not match the issuer's key") from exc
    payload = _decode_json(payload_b64, "JWT payload")
    credential = {name: value for name, value in payload.items() if name not in JWT_CLAIMS}
    _check_claims(payload, credential)
    moment = (now or datetime.now(UTC)).timestamp()
    if "exp" in payload and moment >= payload["exp"] + leeway.total_seconds():
        raise CredentialExpired("expired", f"the credential expired at {credential.get('validUntil')}")
    if moment < payload["nbf"] - leeway.total_seconds():
        raise CredentialNotYetValid("not_yet_valid", f"the credential is valid from {credential.get('validFrom')}")
    return credential


def _check_claims(payload: dict, credential: dict) -> None:
    try:
        expected = jwt_claims(credential)
    except ValueError as exc:
        raise CredentialInvalid("claims_mismatch", str(exc)) from exc
    for name in JWT_CLAIMS:
        value = payload.get(name)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if name in ("nbf", "exp") and value is not None and not numeric:
            raise CredentialInvalid("malformed", f"{name} must be a NumericDate")
        if value != expected.get(name):
            raise CredentialInvalid("claims_mismatch", f"the {name!r} claim does not match the credential")
