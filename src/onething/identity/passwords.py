"""Passwords hashed with argon2id; the cost comes from the settings."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from onething.kit.errors import ValidationFailed
from onething.kit.settings import get_settings

MIN_LENGTH = 8


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(time_cost=s.password_time_cost, memory_cost=s.password_memory_kib)


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """False for a wrong password or no stored hash; the cost is paid either way (no timing oracle)."""
    try:
        return _hasher().verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy() -> str:
    return _hasher().hash("no such account: spend the same time")


def rehash(password: str) -> str:
    """A new hash for a password already accepted: no strength rule applies to it here."""
    return _hasher().hash(password)


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"密码至少 {MIN_LENGTH} 位", field="password")
    kinds = sum(
        (
            any(c.isdigit() for c in password),
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 3:
        raise ValidationFailed("密码须包含大写字母、小写字母、数字、符号中的至少三类", field="password")
