"""The issuer key: created once with mode 0600, reloaded identically, published as JWK and did:key."""

from __future__ import annotations

import base64
import os
import stat
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from quizbank.certificates.keys import (
    KEY_FILENAME,
    IssuerKey,
    KeyFileError,
    b64url_decode,
    b64url_encode,
    base58btc_decode,
    base58btc_encode,
    load_or_create_issuer_key,
    public_bytes_from_did_key,
    public_key_from_jwk,
)


def test_the_key_is_created_once_with_mode_0600_and_reloaded_identically(tmp_path):
    instance = tmp_path / "instance"  # does not exist yet
    first = load_or_create_issuer_key(instance)
    path = instance / KEY_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    second = load_or_create_issuer_key(instance)
    assert path.read_bytes() == before
    assert second.public_bytes == first.public_bytes
    assert second.did == first.did and second.public_jwk == first.public_jwk
    assert [p.name for p in instance.iterdir()] == [KEY_FILENAME]  # no temporary file left behind


def test_the_key_is_0600_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        load_or_create_issuer_key(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / KEY_FILENAME).stat().st_mode) == 0o600


def test_racing_first_starts_share_one_key(tmp_path):
    results = []
    threads = [threading.Thread(target=lambda: results.append(load_or_create_issuer_key(tmp_path).did))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1


def test_a_file_that_is_not_an_ed25519_key_is_refused(tmp_path):
    (tmp_path / KEY_FILENAME).write_text("not a key")
    with pytest.raises(KeyFileError):
        load_or_create_issuer_key(tmp_path)


def test_the_jwk_is_a_public_okp_ed25519_key(tmp_path):
    key = load_or_create_issuer_key(tmp_path)
    jwk = key.public_jwk
    assert set(jwk) == {"kty", "crv", "x"} and jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    assert "=" not in jwk["x"]
    assert base64.urlsafe_b64decode(jwk["x"] + "=") == key.public_bytes
    assert isinstance(public_key_from_jwk(jwk), Ed25519PublicKey)
    assert "private_key" not in repr(key)


def test_the_did_key_has_the_z6mk_prefix_and_decodes_back_to_the_public_key(tmp_path):
    key = load_or_create_issuer_key(tmp_path)
    assert key.did.startswith("did:key:z6Mk")
    assert public_bytes_from_did_key(key.did) == key.public_bytes
    fingerprint = key.did.removeprefix("did:key:")
    assert key.verification_method == f"{key.did}#{fingerprint}"
    assert public_bytes_from_did_key(key.verification_method) == key.public_bytes


def test_did_key_and_jwk_match_published_test_vectors():
    # did:key method spec, first Ed25519 example: the key whose 32-byte seed is all zeros (its raw public key
    # is 4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS in base58btc).
    zero = IssuerKey(Ed25519PrivateKey.from_private_bytes(bytes(32)))
    assert zero.did == "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    assert base58btc_encode(zero.public_bytes) == "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"
    # RFC 8037 appendix A.1 (the Ed25519 JWK) and A.4 (its JWS signature of "Example of Ed25519 signing").
    rfc = IssuerKey(Ed25519PrivateKey.from_private_bytes(b64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")))
    assert rfc.public_jwk == {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    signature = rfc.sign(b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc")
    assert b64url_encode(signature) == (
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    )


@pytest.mark.parametrize("bad", ["did:web:example.com", "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc",
                                 "did:key:zO0"])
def test_a_did_that_is_not_an_ed25519_did_key_is_refused(bad):
    with pytest.raises(ValueError):
        public_bytes_from_did_key(bad)


@given(st.binary(max_size=64))
def test_base58btc_round_trips_including_leading_zero_bytes(data):
    assert base58btc_decode(base58btc_encode(data)) == data


def test_base58btc_known_values():
    assert base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert base58btc_encode(b"\0\0\x01") == "112"
