"""Certificates as portable proof: an Ed25519 issuer key, Open Badges 3.0 credentials signed as VC-JWT, and
a printable PDF with a QR code to the public verification page.

Pure: plain data in, dicts and bytes out; no Flask, no database. The app decides where the key folder is,
which certificates exist and what their URLs are.
"""

from .keys import IssuerKey, KeyFileError, load_or_create_issuer_key, public_bytes_from_did_key, public_jwk_from_bytes
from .open_badges import (
    CertificateFacts,
    RevocationInfo,
    build_open_badge_credential,
    encode_status_list,
    missing_required_properties,
    status_bit,
)
from .pdf import render_certificate_pdf
from .vc_jwt import CredentialExpired, CredentialInvalid, CredentialNotYetValid, sign_credential, verify_credential

__all__ = [
    "CertificateFacts",
    "CredentialExpired",
    "CredentialInvalid",
    "CredentialNotYetValid",
    "IssuerKey",
    "KeyFileError",
    "RevocationInfo",
    "build_open_badge_credential",
    "encode_status_list",
    "load_or_create_issuer_key",
    "missing_required_properties",
    "public_bytes_from_did_key",
    "public_jwk_from_bytes",
    "render_certificate_pdf",
    "sign_credential",
    "status_bit",
    "verify_credential",
]
