"""Domain errors: a rule refused an action; the message is fit to show the user."""


class DomainError(Exception):
    """Raised by a service when a business rule refuses an action."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def required_text(value: str | None, message: str, *, field: str = "reason") -> str:
    """The text on one line with its white space tidied and no control characters (reasons
    arrive from plain form fields too), or a DomainError when nothing was written."""
    from lms.core.text import single_line

    text = " ".join(single_line(value or "").split())
    if not text:
        raise DomainError(message, field=field)
    return text
