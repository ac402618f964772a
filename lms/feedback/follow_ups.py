"""The follow-up weeks after a course, to the practitioner and their line manager, through
single-use links that work without signing in."""


def run(*, now) -> dict:
    """run-jobs: the follow-ups and reminders due, and the links that lapsed."""
    return {}
