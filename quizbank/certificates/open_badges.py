"""An Open Badges 3.0 ``OpenBadgeCredential`` (a W3C VC 2.0 credential) as a plain dict, and the spec's
requirements as a checker.

Followed: 1EdTech Open Badges Specification v3.0, Final, document version 1.4.1 (Nov 2025), the edition built
on the W3C Verifiable Credentials Data Model v2.0:

* §B.1.2 AchievementCredential: ``@context`` is an ordered set whose first item is
  ``https://www.w3.org/ns/credentials/v2`` and whose second is
  ``https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json``; ``id``, ``type`` (incl.
  "VerifiableCredential" and "OpenBadgeCredential"), ``issuer``, ``validFrom`` and ``credentialSubject``
  are [1]; ``name`` is [0..1] in this edition (it was required in the VC 1.1 edition) — we always set it.
* §B.1.3 AchievementSubject: ``type`` incl. "AchievementSubject" and ``achievement`` are [1]; either ``id``
  or at least one ``identifier`` (§B.1.12 IdentityObject: type, hashed, identityHash, identityType).
* §B.1.1 Achievement: ``id``, ``type`` incl. "Achievement", ``name``, ``description``, ``criteria`` [1].
* §B.1.14 Profile: ``id`` and ``type`` incl. "Profile" [1] (``name`` is [0..1]; we set it).
* §B.1.21 CredentialSchema: one entry MUST be the spec's JSON Schema with type
  "1EdTechJsonSchemaValidator2019" (example in §5 "Open Badges Document Formats").
* Revocation, §9.1 step 4 and the 1.3 release note "Deprecated [[VCRL-10]] in favour of
  [[vc-bitstring-status-list]]": ``credentialStatus`` is a W3C Bitstring Status List v1.0
  ``BitstringStatusListEntry`` pointing at a status list credential the app publishes (terms defined by the
  VC 2.0 context, so no extra context is needed). ``encode_status_list`` builds its ``encodedList``.

No JSON-LD processing happens here: context URLs are identifiers, never fetched.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_CREDENTIAL_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB_SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"
STATUS_LIST_MIN_BITS = 131_072  # Bitstring Status List v1.0: at least 16 KiB, for group privacy

_DATETIME_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class RevocationInfo:
    """Where this certificate's bit lives: a BitstringStatusListCredential URL and the bit's index."""

    status_list_credential: str
    status_list_index: int
    status_purpose: str = "revocation"


@dataclass(frozen=True)
class CertificateFacts:
    """Everything a certificate says, as plain data. Datetimes must be timezone-aware (stored as UTC).

    certificate_id: the public verification URL, used as the credential ``id`` (and JWT ``jti``).
    holder_id: an opaque URI for the holder (``urn:uuid:…``), the ``credentialSubject.id`` (JWT ``sub``);
        never an email address.
    holder_email: optional; published only as a salted SHA-256 IdentityObject (OB 3.0 §B.1.12).
    identity_salt: salt for that hash; when None, one is derived from certificate_id.
    issuer_id: the issuer Profile's id; pass the signing key's did:key so VC-JWT ``iss`` names the key.
    issuer_url: the issuer's homepage (Profile ``url``).
    status: a human word for the PDF ("valid", "revoked", "expired"); not part of the credential, whose
        revocation is expressed by ``revocation`` (credentialStatus).
    """

    certificate_id: str
    holder_name: str
    holder_id: str
    track_name: str
    track_description: str
    criteria_narrative: str
    issuer_name: str
    issuer_url: str
    issuer_id: str
    issued_at: datetime
    valid_until: datetime
    status: str
    achievement_id: str
    revocation: RevocationInfo | None = None
    holder_email: str | None = None
    identity_salt: str | None = None


def iso_utc(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC, whole seconds. Raises ValueError for a naive datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes on a certificate must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime_z(text: str) -> datetime:
    """Parse an OB 3.0 DateTimeZ (ISO 8601 with a zone designator). Raises ValueError otherwise."""
    if not isinstance(text, str) or not _DATETIME_Z.match(text):
        raise ValueError(f"not a DateTimeZ: {text!r}")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def identity_hash(value: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex(SHA-256(UTF-8(value + salt)))."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def build_open_badge_credential(facts: CertificateFacts) -> dict:
    """The unsigned OpenBadgeCredential for facts: a fresh JSON-ready dict that passes
    ``missing_required_properties`` with no complaint."""
    valid_from, valid_until = iso_utc(facts.issued_at), iso_utc(facts.valid_until)
    if valid_until <= valid_from:
        raise ValueError("valid_until must be after issued_at")
    identifiers: list[dict] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": facts.holder_name}
    ]
    if facts.holder_email:
        salt = facts.identity_salt
        if salt is None:
            salt = hashlib.sha256(facts.certificate_id.encode("utf-8")).hexdigest()[:16]
        email = facts.holder_email.strip().lower()
        identifiers.append({"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                            "identityHash": identity_hash(email, salt), "salt": salt})
    credential: dict = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": facts.certificate_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificate of competence: {facts.track_name}",
        "description": f"{facts.holder_name} has demonstrated competence in {facts.track_name}.",
        "issuer": {"id": facts.issuer_id, "type": ["Profile"], "name": facts.issuer_name, "url": facts.issuer_url},
        "validFrom": valid_from,
        "validUntil": valid_until,
        "credentialSubject": {
            "id": facts.holder_id,
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": {
                "id": facts.achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": facts.track_name,
                "description": facts.track_description,
                "criteria": {"narrative": facts.criteria_narrative},
            },
        },
        "credentialSchema": [{"id": OB_CREDENTIAL_SCHEMA, "type": OB_SCHEMA_VALIDATOR}],
    }
    if facts.revocation is not None:
        credential["credentialStatus"] = status_list_entry(facts.revocation)
    return credential


def status_list_entry(info: RevocationInfo) -> dict:
    """A Bitstring Status List v1.0 ``BitstringStatusListEntry`` (statusListIndex is a string of digits)."""
    if info.status_list_index < 0:
        raise ValueError("status_list_index must be >= 0")
    return {
        "id": f"{info.status_list_credential}#{info.status_list_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": info.status_purpose,
        "statusListIndex": str(info.status_list_index),
        "statusListCredential": info.status_list_credential,
    }


def encode_status_list(set_indices: Iterable[int], size: int = STATUS_LIST_MIN_BITS) -> str:
    """``encodedList`` of a BitstringStatusList: multibase ('u') base64url, no padding, of the GZIP of the
    bitstring, where index 0 is the most significant bit of the first byte. size is rounded up to whole
    bytes and to at least 131,072 bits. Raises ValueError for an index outside the list."""
    size = max(size, STATUS_LIST_MIN_BITS)
    bits = bytearray((size + 7) // 8)
    for index in set_indices:
        if not 0 <= index < len(bits) * 8:
            raise ValueError(f"index {index} outside a list of {len(bits) * 8} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def status_bit(encoded_list: str, index: int) -> bool:
    """Whether bit index is set in an ``encodedList`` (the inverse of encode_status_list)."""
    if not encoded_list.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u' prefix)")
    body = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if not 0 <= index < len(bits) * 8:
        raise ValueError("index outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _types(node: object) -> list:
    value = node.get("type") if isinstance(node, dict) else None
    return [value] if isinstance(value, str) else value if isinstance(value, list) else []


def _is_uri(value: object) -> bool:
    return isinstance(value, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value) is not None


def _needs(problems: list[str], node: object, path: str, keys: Iterable[str]) -> None:
    for key in keys:
        if not isinstance(node, dict) or node.get(key) in (None, "", [], {}):
            problems.append(f"{path}{key}: missing")


def _needs_type(problems: list[str], node: object, path: str, wanted: str) -> None:
    if wanted not in _types(node):
        problems.append(f"{path}type: must include {wanted!r}")


def missing_required_properties(credential: dict) -> list[str]:
    """Every way credential falls short of what OB 3.0 (VC 2.0 edition) REQUIRES of an OpenBadgeCredential,
    its issuer Profile, AchievementSubject, Achievement, IdentityObjects, CredentialSchema and
    CredentialStatus, as ``"path: problem"`` strings. An empty list means nothing required is missing."""
    problems: list[str] = []
    if not isinstance(credential, dict):
        return ["credential: not a JSON object"]
    _needs(problems, credential, "", ["@context", "id", "type", "issuer", "validFrom", "credentialSubject"])
    context = credential.get("@context")
    if context and (not isinstance(context, list) or context[:2] != [VC_V2_CONTEXT, OB_V3_CONTEXT]):
        problems.append(f"@context: must start with [{VC_V2_CONTEXT!r}, {OB_V3_CONTEXT!r}]")
    if "id" in credential and not _is_uri(credential["id"]):
        problems.append("id: must be a URI")
    _needs_type(problems, credential, "", "VerifiableCredential")
    if not {"OpenBadgeCredential", "AchievementCredential"} & set(_types(credential)):
        problems.append("type: must include 'OpenBadgeCredential' or 'AchievementCredential'")
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        _needs(problems, issuer, "issuer.", ["id"])
        _needs_type(problems, issuer, "issuer.", "Profile")
    elif issuer is not None and not _is_uri(issuer):
        problems.append("issuer: must be a URI or a Profile")
    for key in ("validFrom", "validUntil", "awardedDate"):
        if key in credential:
            try:
                parse_datetime_z(credential[key])
            except ValueError:
                problems.append(f"{key}: must be an ISO 8601 date-time with a time zone")
    subject = credential.get("credentialSubject")
    if subject is not None:
        _check_subject(problems, subject)
    schemas = credential.get("credentialSchema")
    if schemas is not None:
        schemas = schemas if isinstance(schemas, list) else [schemas]
        for i, schema in enumerate(schemas):
            _needs(problems, schema, f"credentialSchema[{i}].", ["id", "type"])
        if not any(isinstance(s, dict) and s.get("type") == OB_SCHEMA_VALIDATOR for s in schemas):
            problems.append(f"credentialSchema: one entry must have type {OB_SCHEMA_VALIDATOR!r}")
    if "credentialStatus" in credential:
        _needs(problems, credential["credentialStatus"], "credentialStatus.", ["type"])
    return problems


def _check_subject(problems: list[str], subject: object) -> None:
    path = "credentialSubject."
    if not isinstance(subject, dict):
        problems.append("credentialSubject: must be one AchievementSubject object")
        return
    _needs_type(problems, subject, path, "AchievementSubject")
    identifiers = subject.get("identifier") or []
    if not subject.get("id") and not identifiers:
        problems.append(f"{path}id: either id or at least one identifier is required")
    for i, ident in enumerate(identifiers if isinstance(identifiers, list) else [identifiers]):
        where = f"{path}identifier[{i}]."
        _needs(problems, ident, where, ["identityHash", "identityType"])
        if not isinstance(ident, dict) or ident.get("type") != "IdentityObject":
            problems.append(f"{where}type: must be 'IdentityObject'")
        if not isinstance(ident, dict) or not isinstance(ident.get("hashed"), bool):
            problems.append(f"{where}hashed: must be a boolean")
    _needs(problems, subject, path, ["achievement"])
    achievement = subject.get("achievement")
    if achievement is not None:
        where = f"{path}achievement."
        _needs(problems, achievement, where, ["id", "name", "description", "criteria"])
        _needs_type(problems, achievement, where, "Achievement")
        criteria = achievement.get("criteria") if isinstance(achievement, dict) else None
        if criteria is not None and not isinstance(criteria, dict):
            problems.append(f"{where}criteria: must be a Criteria object")
