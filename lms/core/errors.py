"""Domain errors: a rule refused an action; the message is fit to show the user."""


class DomainError(Exception):
    """Raised by a service when a business rule refuses an action."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
