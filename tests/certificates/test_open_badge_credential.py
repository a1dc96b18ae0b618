"""The OpenBadgeCredential has everything OB 3.0 (VC 2.0 edition) requires, with the right types and UTC
date-times; the checker catches each required property when it is missing."""

from __future__ import annotations

import copy
import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest

from quizbank.certificates import build_open_badge_credential, encode_status_list, missing_required_properties
from quizbank.certificates.open_badges import OB_V3_CONTEXT, VC_V2_CONTEXT, identity_hash, status_bit

from .samples import ISSUED, VALID_UNTIL, VERIFY_URL, make_facts

UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture
def credential() -> dict:
    return build_open_badge_credential(make_facts())


def test_the_credential_has_every_required_property(credential):
    assert missing_required_properties(credential) == []


def test_contexts_types_and_identifiers(credential):
    assert credential["@context"] == [VC_V2_CONTEXT, OB_V3_CONTEXT]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential["type"])
    assert credential["id"] == VERIFY_URL
    assert credential["name"]  # optional in 3.0.3 (B.1.2 name [0..1]) but wallets display it
    issuer = credential["issuer"]
    assert issuer["type"] == ["Profile"] and issuer["id"].startswith("did:key:") and issuer["name"]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"].startswith("urn:uuid:")
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"].startswith("https://")
    assert achievement["name"] == "Dry needling — lower limb (Level 2)"
    assert achievement["description"] and achievement["criteria"]["narrative"]
    assert credential["credentialSchema"] == [{
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019",
    }]


def test_dates_are_iso_8601_utc_and_valid_until_is_present(credential):
    assert credential["validFrom"] == "2025-01-15T09:30:00Z"
    assert credential["validUntil"] == "2028-01-15T09:30:00Z"
    for key in ("validFrom", "validUntil"):
        assert UTC_SECONDS.match(credential[key])
    assert "issuanceDate" not in credential and "expirationDate" not in credential  # VC 1.1 names


def test_other_time_zones_are_converted_to_utc():
    cet = timezone(timedelta(hours=1))
    credential = build_open_badge_credential(make_facts(issued_at=datetime(2025, 1, 15, 10, 30, 15, 999, tzinfo=cet)))
    assert credential["validFrom"] == "2025-01-15T09:30:15Z"


def test_naive_datetimes_and_inverted_windows_are_refused():
    with pytest.raises(ValueError):
        build_open_badge_credential(make_facts(issued_at=datetime(2025, 1, 15)))
    with pytest.raises(ValueError):
        build_open_badge_credential(make_facts(valid_until=ISSUED))


def test_the_holder_is_named_and_the_email_only_appears_salted_and_hashed(credential):
    identifiers = {i["identityType"]: i for i in credential["credentialSubject"]["identifier"]}
    assert identifiers["name"] == {"type": "IdentityObject", "identityType": "name", "hashed": False,
                                   "identityHash": "Zoë Łukasik"}
    email = identifiers["emailAddress"]
    assert email["hashed"] is True and email["salt"]
    assert email["identityHash"] == identity_hash("zoe@example.org", email["salt"])
    assert email["identityHash"] == "sha256$" + hashlib.sha256(("zoe@example.org" + email["salt"]).encode()).hexdigest()
    assert "example.org" not in repr(credential).lower().replace("quizbank.example", "")


def test_identity_hash_matches_the_spec_example():
    # OB 3.0 IdentityHash: SHA-256 of 'a@example.com' salted with 'Kosher'.
    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_credential_status_is_a_bitstring_status_list_entry(credential):
    assert credential["credentialStatus"] == {
        "id": "https://quizbank.example/status/revocation/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://quizbank.example/status/revocation/1",
    }
    assert "credentialStatus" not in build_open_badge_credential(make_facts(revocation=None))


def test_the_encoded_status_list_sets_exactly_the_revoked_bits():
    encoded = encode_status_list({0, 42, 131_071})
    assert encoded.startswith("u") and "=" not in encoded
    assert [i for i in (0, 1, 41, 42, 43, 131_071) if status_bit(encoded, i)] == [0, 42, 131_071]
    with pytest.raises(ValueError):
        encode_status_list({131_072})


def _without(credential: dict, path: str) -> dict:
    broken = copy.deepcopy(credential)
    *parents, last = path.split(".")
    node = broken
    for part in parents:
        node = node[part]
    del node[last]
    return broken


REQUIRED_PATHS = [
    "@context", "id", "type", "issuer", "validFrom", "credentialSubject", "issuer.id", "issuer.type",
    "credentialSubject.type", "credentialSubject.achievement", "credentialSubject.achievement.id",
    "credentialSubject.achievement.type", "credentialSubject.achievement.name",
    "credentialSubject.achievement.description", "credentialSubject.achievement.criteria",
]


@pytest.mark.parametrize("path", REQUIRED_PATHS)
def test_the_checker_reports_each_missing_required_property(credential, path):
    problems = missing_required_properties(_without(credential, path))
    assert any(p.startswith(path) for p in problems), problems


def test_the_checker_needs_a_subject_id_or_an_identifier(credential):
    anonymous = _without(_without(credential, "credentialSubject.id"), "credentialSubject.identifier")
    assert "credentialSubject.id: either id or at least one identifier is required" in missing_required_properties(
        anonymous)
    assert missing_required_properties(_without(credential, "credentialSubject.id")) == []


@pytest.mark.parametrize(("path", "value"), [
    ("@context", ["https://www.w3.org/2018/credentials/v1", OB_V3_CONTEXT]),
    ("@context", [OB_V3_CONTEXT, VC_V2_CONTEXT]),
    ("type", ["VerifiableCredential"]),
    ("type", "OpenBadgeCredential"),
    ("validFrom", "2025-01-15 09:30"),
    ("validUntil", "tomorrow"),
    ("id", "not a uri"),
    ("credentialSchema", [{"id": "https://example.org/s.json", "type": "JsonSchema"}]),
    ("credentialStatus", {"id": "https://example.org/status"}),
])
def test_the_checker_reports_wrong_values(credential, path, value):
    credential[path] = value
    assert missing_required_properties(credential) != []


def test_the_checker_looks_inside_identity_objects(credential):
    del credential["credentialSubject"]["identifier"][1]["hashed"]
    assert missing_required_properties(credential) == ["credentialSubject.identifier[1].hashed: must be a boolean"]


def test_valid_until_after_valid_from():
    credential = build_open_badge_credential(make_facts(valid_until=VALID_UNTIL))
    assert credential["validUntil"] > credential["validFrom"]
