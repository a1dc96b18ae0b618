"""Password policy: long enough, not one of the most common, not the account's own name or email."""

from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 128

# The most frequent passwords of public breach lists (e.g. NCSC's 100k list), lower-cased; a short
# list catches the guesses an attacker tries first.
COMMON_PASSWORDS = frozenset(
    (
        "123456", "123456789", "12345678", "1234567890", "password", "qwerty", "111111", "1234567", "qwerty123",
        "000000", "1q2w3e", "aa12345678", "abc123", "password1", "1234", "qwertyuiop", "123321", "password123",
        "1q2w3e4r5t", "iloveyou", "654321", "666666", "987654321", "123123", "123456a", "qwe123", "1q2w3e4r",
        "7777777", "1qaz2wsx", "123qwe", "zxcvbnm", "121212", "asdasd", "a123456", "555555", "dragon", "112233",
        "123123123", "monkey", "11111111", "qazwsx", "159753", "asdfghjkl", "222222", "1234qwer", "qwerty1",
        "123654", "123abc", "asdfgh", "777777", "aaaaaa", "myspace1", "88888888", "fuckyou", "123456789a",
        "999999", "888888", "football", "princess", "sunshine", "welcome", "shadow", "superman", "michael",
        "master", "letmein", "trustno1", "baseball", "passw0rd", "admin", "admin123", "administrator",
        "changeme", "welcome1", "password12", "password1234", "qwerty12345", "p@ssw0rd", "physiotherapy",
        "physio123", "needling", "dryneedling", "quizbank", "quizbank123", "letmein123", "iloveyou1",
        "1234567891", "12345678910", "0123456789", "abcdefghij", "abcdef1234", "qwertyuiop1", "passwordpassword",
    )
)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons a password is refused; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.casefold()
    if lowered in COMMON_PASSWORDS:
        problems.append("This password is one of the most common ones; choose another.")
    local = email.split("@")[0].casefold()
    if (local and len(local) >= 4 and local in lowered) or (name and name.casefold().replace(" ", "") == lowered):
        problems.append("Do not use your name or email address as your password.")
    return problems
