"""What certificates (the next feature) need to know from evaluation: whether a completed
booking or e-learning completion may have its certificate yet.

The partnership's setting `certificates_wait_for_evaluation` (on by default) holds a certificate
back until the person has answered the evaluation straight after the course. The rule, in order:

- the setting is off: it may issue;
- the request straight after was answered, withdrawn, or has expired unanswered: it may issue;
- the request is open: it waits;
- no request was made: it waits when one applies but has not been asked yet (a completed
  booking completed less than `follow_up_weeks` ago; a recent e-learning completion that is not
  training declared as done elsewhere: `lms.feedback.requests.booking_asked` and
  `completion_asked`), so a certificate hook that runs before the request exists cannot issue
  early; otherwise (declared training, a completion or booking older than a request would stay
  open, or one not completed) nothing is asked and it may issue.

Completing (`lms.attendance.services.BOOKING_COMPLETED`, `lms.elearning.completions.COMPLETED`)
and answering (`lms.feedback.responses.ANSWERED`) are the events to hang issuing on."""

from datetime import datetime

from lms.feedback import requests, responses
from lms.feedback.models import Stage
from lms.settings import services as settings


def certificate_may_issue(subject: responses.Subject, *, now: datetime) -> bool:
    if not settings.current().certificates_wait_for_evaluation:
        return True
    asked = responses.find(Stage.AFTER, subject)
    if asked is None:
        if subject.booking is not None:
            return not requests.booking_asked(subject.booking, now=now)
        return not requests.completion_asked(subject.completion, now=now)
    if asked.answered_at is not None or asked.withdrawn_at is not None:
        return True
    return now >= asked.expires_at
