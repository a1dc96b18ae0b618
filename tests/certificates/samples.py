"""Sample certificate facts shared by the certificate tests."""

from __future__ import annotations

from datetime import UTC, datetime

from quizbank.certificates import CertificateFacts, RevocationInfo

ISSUED = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
VALID_UNTIL = datetime(2028, 1, 15, 9, 30, tzinfo=UTC)
DURING = datetime(2026, 6, 1, tzinfo=UTC)
VERIFY_URL = "https://quizbank.example/verify/QB-7K3M-9XQ2"
REFERENCE = "QB-7K3M-9XQ2"


EXAMPLE_ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def make_facts(issuer_id: str = EXAMPLE_ISSUER, **changes) -> CertificateFacts:
    values = {
        "certificate_id": VERIFY_URL,
        "holder_name": "Zoë Łukasik",
        "holder_id": "urn:uuid:3f1c2a9e-1b7d-4c55-9a0e-2d9b1f0c7e11",
        "holder_email": "Zoe@Example.org",
        "track_name": "Dry needling — lower limb (Level 2)",
        "track_description": "Safe intramuscular stimulation of the lower-limb musculature.",
        "criteria_narrative": "Pass the proctored certification exam at or above the cut score.",
        "issuer_name": "Quizbank Academy",
        "issuer_url": "https://quizbank.example",
        "issuer_id": issuer_id,
        "issued_at": ISSUED,
        "valid_until": VALID_UNTIL,
        "status": "valid",
        "achievement_id": "https://quizbank.example/tracks/dn-lower-limb-2",
        "revocation": RevocationInfo("https://quizbank.example/status/revocation/1", 42),
    }
    values.update(changes)
    return CertificateFacts(**values)
