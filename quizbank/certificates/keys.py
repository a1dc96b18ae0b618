"""The issuer's Ed25519 signing key: created once per instance, then loaded; published as a JWK and a did:key.

The private key lives in ``instance_dir/issuer_ed25519.pem`` (PKCS#8 PEM, unencrypted, mode 0600). It is
written to a unique temporary file opened with ``O_CREAT | O_EXCL`` and then hard-linked into place, so no
reader ever sees a half-written key and two processes racing on first start end up sharing one key (the
loser of the race loads the winner's file). Nothing here overwrites an existing key file.

did:key (W3C CCG did:key method, Ed25519): ``did:key:z`` + base58btc(multicodec ``0xed 0x01`` + 32-byte
public key), which always starts ``did:key:z6Mk``. The verification method used as a JWS ``kid`` is
``did:key:<fingerprint>#<fingerprint>``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILENAME = "issuer_ed25519.pem"
ED25519_PUB_MULTICODEC = b"\xed\x01"  # unsigned-varint of 0xed, the multicodec "ed25519-pub"
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class KeyFileError(Exception):
    """The key file exists but does not hold an unencrypted Ed25519 private key."""


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding: only the 64-letter alphabet, and only the one canonical spelling
    of the bytes (a string whose unused trailing bits are not zero is refused). Raises ValueError."""
    if not isinstance(text, str) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    if any(c not in _B64URL_CHARS for c in text):
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data



def base58btc_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58; each leading zero byte becomes a leading '1'."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    """Inverse of base58btc_encode. Raises ValueError on a letter outside the alphabet."""
    number = 0
    for c in text:
        if c not in _B58_INDEX:
            raise ValueError(f"not base58btc: {c!r}")
        number = number * 58 + _B58_INDEX[c]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def did_key_from_public_bytes(public: bytes) -> str:
    """did:key for a raw 32-byte Ed25519 public key."""
    if len(public) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return "did:key:z" + base58btc_encode(ED25519_PUB_MULTICODEC + public)


def public_bytes_from_did_key(did: str) -> bytes:
    """The raw Ed25519 public key inside a did:key (a ``#fragment`` is ignored). Raises ValueError when the
    DID is not an Ed25519 did:key."""
    ident = did.split("#", 1)[0]
    if not ident.startswith("did:key:z"):
        raise ValueError("not a base58btc did:key")
    raw = base58btc_decode(ident[len("did:key:z"):])
    if not raw.startswith(ED25519_PUB_MULTICODEC) or len(raw) != 34:
        raise ValueError("not an Ed25519 did:key")
    return raw[2:]


def public_jwk_from_bytes(public: bytes) -> dict[str, str]:
    """RFC 8037 OKP JWK of an Ed25519 public key (never contains ``d``)."""
    if len(public) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public)}


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    """The Ed25519 public key of an OKP JWK. Raises ValueError for any other key type or a private JWK."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("expected an OKP Ed25519 JWK")
    if "d" in jwk:
        raise ValueError("refusing a private JWK where a public one is expected")
    raw = b64url_decode(jwk.get("x", ""))
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class IssuerKey:
    """The issuer's key pair. ``repr`` never shows the private key."""

    private_key: Ed25519PrivateKey = field(repr=False)
    path: Path | None = None

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def public_jwk(self) -> dict[str, str]:
        """Public JWK: {"kty": "OKP", "crv": "Ed25519", "x": base64url}."""
        return public_jwk_from_bytes(self.public_bytes)

    @property
    def did(self) -> str:
        """``did:key:z6Mk…``"""
        return did_key_from_public_bytes(self.public_bytes)

    @property
    def verification_method(self) -> str:
        """The did:key verification method id, ``did:key:z6Mk…#z6Mk…`` (used as the JWS ``kid``)."""
        return f"{self.did}#{self.did[len('did:key:'):]}"

    def sign(self, data: bytes) -> bytes:
        """A 64-byte Ed25519 signature of data."""
        return self.private_key.sign(data)


def load_or_create_issuer_key(instance_dir: Path) -> IssuerKey:
    """Load ``instance_dir/issuer_ed25519.pem``, creating it (0600, atomically, never overwriting) when it
    does not exist yet. Every call for the same folder returns the same key. Raises KeyFileError when the
    file exists but holds something other than an unencrypted Ed25519 private key."""
    instance_dir = Path(instance_dir)
    path = instance_dir / KEY_FILENAME
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        _create_key_file(path)
    return IssuerKey(_load_key_file(path), path)


def _load_key_file(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def _create_key_file(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # exact mode whatever the umask
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if the key appeared meanwhile: the first writer wins, nobody overwrites
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links: create the final name itself exclusively
        _write_exclusive(path, pem)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _write_exclusive(path: Path, pem: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
