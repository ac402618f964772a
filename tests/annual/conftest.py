"""The hand-counted year of the annual pack: the reports' history (tests/reports/conftest.py:
a course run across 31 March, a cancelled session, a person who moved agency, e-learning) with
an evaluation and a follow-up, and a training requirement.

Added to that history:

- Attended bookings were completed when their session ended; everyone's account dates from
  1 January 2024 (so everyone counts as at 31 March 2026). P1's
  membership of the school ended on 1 June 2025; since then P1 is at the council.
- Evaluations (fewest responses 2): straight after S1, P1 rated it 5, knowledge 3 to 8,
  confidence 4 to 8, and P5 rated it 4, knowledge 5 to 7, confidence 5 to 6 (both with consent
  to quote, P1 saying "I now use the neglect toolkit"); straight after S2, P9 rated it 3,
  knowledge 6 to 6, confidence 5 to 7, and P2 was asked and did not answer. At follow-up, P1
  said practice changed (4) and P5 that it did not (1).
- The requirement "Safeguarding at level 2 or above, every year" applies to everyone: as at
  31 March 2026, P1 (S4, 21 January 2026), P2, P4, P9 and P10 (S2, 8 October 2025) are
  compliant; P5 (S1, 12 May 2025: valid until 11 May 2026) is due; P8 (S7, 31 March 2025: valid
  until 30 March 2026) is overdue; P3, P6 (S5 ends on 1 April), P7 and P11 never did it, nor
  did the two coordinators (council and school) and the PDL viewer (council).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from lms.accounts.models import AgencyMembership, User
from lms.bookings.models import Booking
from lms.extensions import db
from lms.settings.services import current
from tests.reports.conftest import History, history  # noqa: F401

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SINCE = datetime(2024, 1, 1, tzinfo=UTC)
MOVED = datetime(2025, 6, 1, tzinfo=UTC)


@dataclass
class Year:
    history: History
    requirement: int
    bookings: dict[tuple[str, str], int]


def _booking(person, session_id) -> int:
    return db.session.scalar(
        sa.select(Booking.id).where(Booking.user_id == person.id, Booking.session_id == session_id)
    )


@pytest.fixture
def annual_year(app, history, make_response, make_requirement) -> Year:  # noqa: F811
    people, sessions = history.people, history.sessions
    with app.app_context():
        for user in db.session.scalars(sa.select(User)):
            user.created_at = SINCE
            for membership in user.memberships:
                membership.started_at = SINCE
        p1 = db.session.get(User, people["P1"].id)
        p1.memberships[0].ended_at = MOVED
        db.session.add(
            AgencyMembership(
                user_id=p1.id,
                agency_id=history.agencies["council"],
                job_title=p1.job_title,
                started_at=MOVED,
            )
        )
        # Attended bookings were completed when their session ended.
        for booking in db.session.scalars(sa.select(Booking).where(Booking.outcome == "completed")):
            booking.completed_at = booking.session.ends_at
        current().fewest_responses = 2
        bookings = {
            (person, session): _booking(people[person], sessions[session])
            for person, session in [("P1", "S1"), ("P5", "S1"), ("P9", "S2"), ("P2", "S2")]
        }
        db.session.commit()
    after = datetime(2025, 5, 13, 10, tzinfo=UTC)
    p1_after = make_response(
        "after",
        booking_id=bookings[("P1", "S1")],
        invited_at=after,
        rating=5,
        knowledge_before=3,
        knowledge=8,
        confidence_before=4,
        confidence=8,
        quote_consent=True,
    )
    make_response(
        "after",
        booking_id=bookings[("P5", "S1")],
        invited_at=after,
        rating=4,
        knowledge_before=5,
        knowledge=7,
        confidence_before=5,
        confidence=6,
        quote_consent=True,
    )
    later = datetime(2025, 10, 9, 10, tzinfo=UTC)
    make_response(
        "after",
        booking_id=bookings[("P9", "S2")],
        invited_at=later,
        rating=3,
        knowledge_before=6,
        knowledge=6,
        confidence_before=5,
        confidence=7,
    )
    make_response("after", booking_id=bookings[("P2", "S2")], invited_at=later)
    follow_up = datetime(2025, 7, 7, 10, tzinfo=UTC)
    make_response(
        "follow_up", booking_id=bookings[("P1", "S1")], invited_at=follow_up, practice_changed=4
    )
    make_response(
        "follow_up", booking_id=bookings[("P5", "S1")], invited_at=follow_up, practice_changed=1
    )
    _quote(app, p1_after, "I now use the neglect toolkit")
    requirement = make_requirement(
        "Safeguarding at level 2 or above, every year",
        satisfied_by="level",
        level=2,
        renew_months=12,
    )
    return Year(history, requirement, bookings)


def _quote(app, response_id: int, text: str) -> None:
    """P1's free-text answer to the quotable question of the straight-after stage."""
    from lms.feedback import comments
    from lms.feedback.models import Answer, Question, QuestionKind, Response

    with app.app_context():
        response = db.session.get(Response, response_id)
        question = db.session.scalar(
            sa.select(Question).where(
                Question.set_id == response.question_set_id,
                Question.kind == QuestionKind.TEXT,
                Question.measure.in_(comments.QUOTABLE[response.stage]),
            )
        )
        db.session.add(Answer(response_id=response.id, question_id=question.id, text=text))
        db.session.commit()
