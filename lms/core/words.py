"""Counts in words: "1 session", "2 sessions", "1 person", "3 people"."""


def plural(count: int, singular: str, plural: str | None = None) -> str:
    """The count followed by the singular or the plural form (the singular plus "s" unless given);
    a form can be a phrase, such as "session matches" and "sessions match"."""
    return f"{count} {singular if count == 1 else plural or f'{singular}s'}"
