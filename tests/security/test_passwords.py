"""Passwords: argon2id at OWASP strength or above, the most common ones refused, long passphrases welcome."""

from __future__ import annotations

import re

from argon2 import Type
from sqlalchemy import select

from quizbank.models import User
from quizbank.services.people import HASHER

COMMON = ["password123", "1234567890", "qwertyuiop", "qwerty12345", "1q2w3e4r5t", "password1234", "administrator",
          "PASSWORD123", "QwertyUiop", "dryneedling", "quizbank123", "letmein123", "iloveyou1", "passwordpassword"]
PASSPHRASE_64 = "the pleura lies a finger's breadth below the skin over the ribs!"


def _create(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/admin/users/new", data={"name": "New Person", "email": email, "role": "trainee",
                                                 "password": password})


def test_passwords_are_hashed_with_argon2id_at_owasp_strength_or_above(db, client, login_as, figure):
    login_as("admin")
    assert _create(client, "hashed@example.org", "a perfectly long passphrase").status_code == 302
    stored = db.session.scalar(select(User.password_hash).where(User.email == "hashed@example.org"))
    params = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$", stored)
    figure(f"password hashing: argon2{HASHER.type.name.lower()} m={HASHER.memory_cost}KiB t={HASHER.time_cost} "
           f"p={HASHER.parallelism} salt={HASHER.salt_len}B hash={HASHER.hash_len}B; stored {stored[:30]}…")
    assert HASHER.type is Type.ID
    # OWASP Password Storage Cheat Sheet: argon2id with at least 19 MiB, 2 passes and 1 lane (its equivalent of
    # scrypt at N = 2^17, r = 8); more passes at the same memory are stronger still.
    assert HASHER.memory_cost >= 19 * 1024 and HASHER.time_cost >= 2 and HASHER.parallelism >= 1
    assert HASHER.salt_len >= 16 and HASHER.hash_len >= 32
    assert params, stored
    assert (int(params[1]), int(params[2]), int(params[3])) == (HASHER.memory_cost, HASHER.time_cost,
                                                                HASHER.parallelism)
    assert "a perfectly long passphrase" not in stored


def test_the_most_common_passwords_are_refused(db, client, login_as, figure):
    login_as("admin")
    refused = 0
    for n, password in enumerate(COMMON):
        response = _create(client, f"common{n}@example.org", password)
        page = response.get_data(as_text=True)
        refused += response.status_code == 200 and "most common" in page
    created = db.session.scalar(select(User.id).where(User.email.like("common%@example.org")))
    figure(f"common passwords refused: {refused}/{len(COMMON)} (all of them 10+ characters)")
    assert refused == len(COMMON) and created is None


def test_a_sixty_four_character_passphrase_is_accepted_and_signs_in(db, client, login_as, figure):
    assert len(PASSPHRASE_64) == 64
    login_as("admin")
    created = _create(client, "long@example.org", PASSPHRASE_64)
    client.post("/logout")
    signed_in = client.post("/login", data={"email": "long@example.org", "password": PASSPHRASE_64})
    changed = client.post("/account/password", data={"current_password": PASSPHRASE_64,
                                                     "new_password": PASSPHRASE_64[::-1],
                                                     "confirm": PASSPHRASE_64[::-1]})
    figure(f"64-character passphrase: created={created.status_code} sign_in={signed_in.status_code} "
           f"changed_to_another_64={changed.status_code}")
    assert created.status_code == 302 and signed_in.status_code == 302 and changed.status_code == 302
