"""The "Certificates" section of "Your training": a person's live certificates, and the
completed training whose certificate waits for them to answer its evaluation. Two or three
queries, however many certificates they have."""

from datetime import date

from lms.certificates.issuing import certificates_of
from lms.feedback.models import Response, Stage
from lms.settings import services as settings


def for_page(user_id: int, evaluations: list[Response], *, today: date) -> dict:
    """`certificates`: the person's live certificates, newest training first;
    `certificates_waiting`: their open evaluations straight after a course whose certificate
    is issued once they answer it; `certificates_today`: the day validity is judged on."""
    certificates = certificates_of(user_id)
    waiting = []
    after = [response for response in evaluations if response.stage is Stage.AFTER]
    if after and settings.current().certificates_wait_for_evaluation:
        bookings = {c.booking_id for c in certificates if c.booking_id is not None}
        completions = {c.completion_id for c in certificates if c.completion_id is not None}
        waiting = [
            response
            for response in after
            if (response.booking_id is not None and response.booking_id not in bookings)
            or (response.completion_id is not None and response.completion_id not in completions)
        ]
    return {
        "certificates": certificates,
        "certificates_waiting": waiting,
        "certificates_today": today,
    }
