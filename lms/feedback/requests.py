"""Asking for evaluations before and straight after a course: the requests, their one reminder,
and withdrawing them when the booking or completion stops counting."""


def register_hooks() -> None:
    """Hang the evaluation requests on completing a booking or an e-learning module."""


def run(*, now) -> dict:
    """run-jobs: the requests and reminders due."""
    return {}
