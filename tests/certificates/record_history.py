"""A hand-built training history for the training record tests: what must appear, and what
must not, in every form of the record."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms.accounts.models import Role, User
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import Course
from lms.core.models import utcnow
from lms.elearning import completions, declarations
from lms.elearning.models import Completion, DeclarationStatus, TrainingDeclaration
from lms.extensions import db
from tests.conftest import one_day, uk

PERSON = "Zoë 李 O'Brien"
AGENCY = "Ysgol Gymraeg O'Neill & Sons"


@dataclass
class History:
    person: object  # tests.conftest.Person
    agency: int
    year: int  # the year of most of the training: last year
    hidden: tuple[str, ...]  # titles that must not appear

    @property
    def expected(self) -> list[dict]:
        """The rows of the record, newest first."""
        y = self.year
        return [
            {
                "title": "Multi-agency safeguarding",
                "days": f"1 October {y} to 2 November {y}",
                "first": date(y, 10, 1),
                "last": date(y, 11, 2),
                "hours": "6",
                "kind": "Course",
                "mode": "Face to face",
                "validity": f"Valid until 1 November {y + 3}",
                "certificate": "Valid",
            },
            {
                "title": "Declared neglect module",
                "days": f"20 August {y}",
                "first": date(y, 8, 20),
                "last": date(y, 8, 20),
                "hours": "2",
                "kind": "E-learning",
                "mode": "Declared and verified",
                "validity": "Does not expire",
                "certificate": "Valid",
            },
            {
                "title": "Recognising neglect online",
                "days": f"1 June {y}",
                "first": date(y, 6, 1),
                "last": date(y, 6, 1),
                "hours": "1.5",
                "kind": "E-learning",
                "mode": "Provider file",
                "validity": f"Expired on 1 December {y}",
                "certificate": "Expired",
            },
            {
                "title": "Child exploitation (virtual)",
                "days": f"10 March {y}",
                "first": date(y, 3, 10),
                "last": date(y, 3, 10),
                "hours": "3",
                "kind": "Course",
                "mode": "Virtual",
                "validity": "Does not expire",
                "certificate": "",
            },
            {
                "title": "Domestic abuse awareness",
                "days": f"15 January {y - 3}",
                "first": date(y - 3, 1, 15),
                "last": date(y - 3, 1, 15),
                "hours": "2.5",
                "kind": "Outside the partnership",
                "mode": "Declared and verified",
                "validity": "Not recorded",
                "certificate": "",
            },
        ]

    total = "15"
    recent = "12.5"  # without the outside training more than three years ago


def _course(course_id: int, **values) -> None:
    course = db.session.get(Course, course_id)
    for name, value in values.items():
        setattr(course, name, value)


def declaration(user_id: int, agency_id: int, **values) -> TrainingDeclaration:
    made = TrainingDeclaration(
        user_id=user_id,
        agency_id=agency_id,
        evidence=b"%PDF-1.4 evidence",
        evidence_type="application/pdf",
        evidence_name="certificate.pdf",
        **values,
    )
    db.session.add(made)
    db.session.flush()
    return made


def build(
    app,
    *,
    make_agency,
    make_user,
    make_course,
    make_module,
    make_course_session,
    make_completed_booking,
    make_completion,
    make_certificate,
) -> History:
    """Two completed courses (one over two days, its first starting just after midnight in
    summer time, its last after the clocks went back), a no-show, a cancelled booking, an
    e-learning completion, a withdrawn one, verified outside training, a pending and a rejected
    declaration, and a verified declaration of a module (a completion, shown once)."""
    y = utcnow().year - 1
    agency = make_agency(AGENCY)
    person = make_user(name=PERSON, agency_id=agency)
    admin = make_user(roles=(Role.ADMIN,))

    multi_day = make_course("Multi-agency safeguarding", level=3)
    virtual = make_course("Child exploitation (virtual)", mode="virtual")
    missed = make_course("Missed course")
    cancelled = make_course("Cancelled course")
    online = make_module("Recognising neglect online", validity_months=6)
    withdrawn = make_module("Withdrawn module")
    declared_module = make_module("Declared neglect module", validity_months=None)
    with app.app_context():
        _course(multi_day, cpd_hours=Decimal("6.0"), certificate_validity_months=36)
        _course(virtual, cpd_hours=Decimal("3.0"))
        _course(online, cpd_hours=Decimal("1.5"))
        _course(declared_module, cpd_hours=Decimal("2.0"))
        db.session.commit()

    # 00:30 on 1 October is 23:30 on 30 September in UTC (summer time); 2 November is GMT.
    two_days = make_course_session(
        multi_day,
        dates=[
            (uk(y, 10, 1, 0, 30), uk(y, 10, 1, 6, 30)),
            (uk(y, 11, 2, 9, 30), uk(y, 11, 2, 16, 30)),
        ],
        status="completed",
    )
    booking = make_completed_booking(person.id, two_days)
    make_certificate(person.id, booking_id=booking)
    make_completed_booking(
        person.id,
        make_course_session(virtual, dates=one_day(uk(y, 3, 10)), virtual=True),
    )
    make_completed_booking(
        person.id, make_course_session(missed, dates=one_day(uk(y, 4, 14))), completed=False
    )
    cancelled_session = make_course_session(cancelled, dates=one_day(uk(y, 5, 5)))
    make_completion(person.id, online, date(y, 6, 1))
    gone = make_completion(person.id, withdrawn, date(y, 7, 1))

    with app.test_request_context():  # verifying and rejecting write the person an email
        db.session.add(
            Booking(
                user_id=person.id,
                session_id=cancelled_session,
                agency_id=agency,
                status=BookingStatus.CANCELLED,
                confirmed_at=uk(y, 4, 1),
                cancelled_at=uk(y, 4, 20),
            )
        )
        completions.withdraw(db.session.get(Completion, gone), by=None, reason="Wrong person")
        verifier = db.session.get(User, admin.id)
        now = utcnow()
        outside = declaration(
            person.id,
            agency,
            title="Domestic abuse awareness",
            provider_name="St Mungo's",
            completed_on=date(y - 3, 1, 15),
            hours=Decimal("2.5"),
        )
        declarations.verify(outside, by=verifier, now=now)
        module = declaration(
            person.id,
            agency,
            course_id=declared_module,
            completed_on=date(y, 8, 20),
            hours=Decimal("2.0"),
        )
        declarations.verify(module, by=verifier, now=now)
        declaration(
            person.id,
            agency,
            title="Pending outside course",
            provider_name="Somewhere",
            completed_on=date(y, 9, 1),
            hours=Decimal("4.0"),
        )
        rejected = declaration(
            person.id,
            agency,
            title="Rejected outside course",
            provider_name="Elsewhere",
            completed_on=date(y, 9, 2),
            hours=Decimal("5.0"),
        )
        declarations.reject(rejected, "No evidence of attendance", by=verifier, now=now)
        db.session.commit()
        assert rejected.status is DeclarationStatus.REJECTED
    return History(
        person=person,
        agency=agency,
        year=y,
        hidden=(
            "Missed course",
            "Cancelled course",
            "Withdrawn module",
            "Pending outside course",
            "Rejected outside course",
        ),
    )


def three_years_before(today: date) -> date:
    return completions.add_months(today, -36) + timedelta(days=1)


@pytest.fixture
def training_record(
    app,
    make_agency,
    make_user,
    make_course,
    make_module,
    make_course_session,
    make_completed_booking,
    make_completion,
    make_certificate,
):
    """The person's history above, built with the suite's factories."""
    return build(
        app,
        make_agency=make_agency,
        make_user=make_user,
        make_course=make_course,
        make_module=make_module,
        make_course_session=make_course_session,
        make_completed_booking=make_completed_booking,
        make_completion=make_completion,
        make_certificate=make_certificate,
    )
