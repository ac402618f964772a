"""Mail headers no value can break: one-line subjects folded per RFC 5322 and 2047, and one
valid address per recipient.

The email package refuses a header holding a line break (the ValueError that once stopped every
delivery), and its own folder drops the space between a plain word and an encoded one in long
non-ASCII subjects ("Zoë 李" came out as "Zoë李"). So the subject is cleaned here and folded here.
"""

from email.header import Header

from lms.core.text import single_line

MAX_LINE = 78
SUBJECT_LENGTH = 300  # the outbox column's size


class InvalidMessage(ValueError):
    """A message that can never be sent as it stands (retrying will not help)."""


def clean_subject(subject: str | None) -> str:
    """The subject on one line, control characters made spaces, white space collapsed."""
    text = " ".join(single_line(subject or "").split())
    if len(text) > SUBJECT_LENGTH:
        text = text[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return text


def checked_recipient(address: str | None) -> str:
    """The one address a message goes to, or InvalidMessage saying why it cannot."""
    from email_validator import EmailNotValidError, validate_email  # on first use

    try:
        validate_email(address or "", check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidMessage(
            f"Recipient {address!r} is not a valid email address: {error}"
        ) from error
    return address


class FoldedHeader(str):
    """A header value the email package stores as it is and folds by calling `fold`."""

    def __new__(cls, name: str, value: str):
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy) -> str:
        return f"{self.name}: {fold(self.name, str(self), policy.linesep)}{policy.linesep}"


def subject_header(subject: str) -> FoldedHeader:
    return FoldedHeader("Subject", clean_subject(subject))


def fold(name: str, value: str, linesep: str) -> str:
    """The value folded to lines of at most 78 characters where it can be. Plain ASCII breaks
    before a space (unfolding restores it exactly); anything else is sent as RFC 2047 encoded
    words, which carry their own spaces."""
    if not value.isascii() or "=?" in value:
        return Header(value, "utf-8", maxlinelen=MAX_LINE, header_name=name).encode(linesep)
    words = value.split(" ")
    lines = [words[0]]
    used = len(name) + 2 + len(words[0])
    for word in words[1:]:
        if word and used + 1 + len(word) > MAX_LINE:
            lines.append(" " + word)
            used = 1 + len(word)
        else:
            lines[-1] += " " + word
            used += 1 + len(word)
    return linesep.join(lines)
