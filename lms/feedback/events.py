"""What certificates (the next feature) need to know from evaluation: whether a completed
booking or e-learning completion may have its certificate yet.

The partnership's setting `certificates_wait_for_evaluation` (on by default) holds a certificate
back until the person has answered the evaluation straight after the course. A certificate is not
held back when no evaluation was asked (training declared and verified, or completed before
evaluations were asked), nor once the request has lapsed unanswered or was withdrawn. Completing
(`lms.attendance.services.BOOKING_COMPLETED`, `lms.elearning.completions.COMPLETED`) and
answering (`lms.feedback.responses.ANSWERED`) are the events to hang issuing on."""

from datetime import datetime

from lms.feedback import responses
from lms.feedback.models import Stage
from lms.settings import services as settings


def certificate_may_issue(subject: responses.Subject, *, now: datetime) -> bool:
    if not settings.current().certificates_wait_for_evaluation:
        return True
    asked = responses.find(Stage.AFTER, subject)
    if asked is None or asked.answered_at is not None or asked.withdrawn_at is not None:
        return True
    return now >= asked.expires_at
