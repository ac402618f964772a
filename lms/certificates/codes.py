"""Verification codes: 16 characters of Crockford's base32 (80 random bits), printed in four
groups of four. Typing is forgiving: case, spaces and dashes do not matter, and the letters
I, L and O are read as the digits they look like."""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-]+")
_VALID = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
# Longer than any code could be typed, even with separators: refused before any work.
MAX_TYPED = 64


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str | None) -> str | None:
    """The code as stored, or None when the text cannot be a code (malformed)."""
    if not typed or len(typed) > MAX_TYPED:
        return None
    code = _SEPARATORS.sub("", typed).upper().translate(_READ_AS)
    return code if _VALID.fullmatch(code) else None


def display(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
