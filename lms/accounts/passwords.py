"""Password hashing (argon2id) and the password policy: length and common passwords, no
composition rules."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from lms.core.errors import DomainError

MIN_LENGTH = 8
MAX_LENGTH = 128


class PasswordRejected(DomainError):
    pass


@cache
def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=2)


def hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_COST"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from leaked password sets (shipped with zxcvbn)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, *, personal: tuple[str, ...] = ()) -> None:
    """Refuse a password that is too short, too long, common, or made of the person's details."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(
            f"Password must be {MIN_LENGTH} characters or more", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(
            f"Password must be {MAX_LENGTH} characters or fewer", field="password"
        )
    folded = password.casefold()
    if folded in common_passwords() or folded.rstrip("0123456789!") in common_passwords():
        raise PasswordRejected(
            "This password is too common and easy to guess. Choose a different password",
            field="password",
        )
    for detail in personal:
        detail = (detail or "").casefold().strip()
        if len(detail) >= 4 and (
            folded == detail or detail in folded and len(folded) - len(detail) < 4
        ):
            raise PasswordRejected(
                "Your password must not be based on your name or email address", field="password"
            )
