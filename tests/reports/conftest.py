"""A small hand-counted history with the awkward cases, for asserting every report's figures.

Financial year 2025-26, four agencies (one per sector), five sessions in the year:

- S1 Neglect, level 3, face to face, 12 May 2025, 10 places: P1 (school) attended; P2 (council)
  no-show, charged £50; P3 (NHS) cancelled late, charge waived; P5 (church) attended; P7 (NHS)
  cancelled before the cutoff, so not booked.
- S2 Exploitation, level 2, virtual, 8 October 2025 at 4pm (twilight), 5 places, full: P2 and P10
  (council), P9 (school) attended; P4 (NHS) walked in and attended; P11 (NHS) partial; P5
  (church) waited and never got a place.
- S3 Neglect, 3 November 2025, cancelled after P6 (school) booked.
- S4 Neglect two-day course, level 3, 20 and 21 January 2026, 2 places, full: P1, who has
  moved from the school to the council since S1, attended; P3 (NHS) missed day two: partial.
- S5 Exploitation, virtual, 30 March to 1 April 2026 (across the year end), 6 places: P6
  (school) attended; P7 (NHS) no-show, charged £50 and disputed.

Outside the year: S6 on 2 April 2026 (2026-27) and S7 on 31 March 2025 (2024-25), each with
P8 (council) attending. Interest: P5 in the two-day course (June 2025, not yet told), P7 in the
neglect course (July 2025, told in August), P8 in the neglect course (May 2026).

E-learning (its own figures; tests/reports/test_elearning_reports.py counts the awkward cases):
P2 (council) and P3 (NHS) completed the Level 1 module in the year.

Certificates (their own figures; tests/certificates/test_statistics.py counts the awkward cases):
P1 (school) for S1, P9 (school) and P4 (NHS) for S2, each issued when the session ended; P1's
checked on the verify page in June 2025.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from lms.accounts.models import Role, Sector, User
from lms.attendance.models import ChargeReason, ChargeStatus, NonAttendanceCharge
from lms.bookings.models import Booking, BookingStatus, Interest
from lms.catalogue.models import CourseSession
from lms.certificates.models import CertificateCheck, CheckMethod
from lms.core.timefmt import london_to_utc
from lms.extensions import db

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def day(year, month, number, hour=9, minute=30, hours=7):
    start = london_to_utc(date(year, month, number), time(hour, minute))
    return (start, start + timedelta(hours=hours))


@dataclass
class History:
    agencies: dict[str, int]
    people: dict[str, object]
    sessions: dict[str, int]
    courses: dict[str, int]
    coordinators: dict[str, object]
    pdl: object


@pytest.fixture
def history(
    app,
    make_agency,
    make_user,
    make_theme,
    make_course,
    make_course_session,
    make_module,
    make_completion,
    make_certificate,
):
    agencies = {
        "school": make_agency("Alder Road School", sector=Sector.EDUCATION),
        "council": make_agency("Riverside Council", sector=Sector.LOCAL_AUTHORITY),
        "nhs": make_agency("Riverside NHS Trust", sector=Sector.HEALTH),
        "church": make_agency("Hope Church", sector=Sector.FAITH),
    }
    home = {
        "P1": "school",
        "P2": "council",
        "P3": "nhs",
        "P4": "nhs",
        "P5": "church",
        "P6": "school",
        "P7": "nhs",
        "P8": "council",
        "P9": "school",
        "P10": "council",
        "P11": "nhs",
    }
    people = {
        name: make_user(name=f"Person {name}", agency_id=agencies[where])
        for name, where in home.items()
    }
    neglect, exploitation = make_theme("Neglect"), make_theme("Exploitation")
    courses = {
        "neglect": make_course("Neglect", level=3, theme_ids=[neglect]),
        "exploitation": make_course(
            "Exploitation", level=2, mode="virtual", theme_ids=[exploitation]
        ),
        "two-day": make_course("Neglect two-day", level=3, theme_ids=[neglect]),
    }
    sessions = {
        "S1": make_course_session(courses["neglect"], dates=[day(2025, 5, 12)], capacity=10),
        "S2": make_course_session(
            courses["exploitation"], dates=[day(2025, 10, 8, 16, 0, 2)], capacity=5, virtual=True
        ),
        "S3": make_course_session(
            courses["neglect"], dates=[day(2025, 11, 3)], capacity=10, status="cancelled"
        ),
        "S4": make_course_session(
            courses["two-day"], dates=[day(2026, 1, 20), day(2026, 1, 21)], capacity=2
        ),
        "S5": make_course_session(
            courses["exploitation"],
            dates=[day(2026, 3, 30), day(2026, 4, 1)],
            capacity=6,
            virtual=True,
        ),
        "S6": make_course_session(courses["neglect"], dates=[day(2026, 4, 2)], capacity=10),
        "S7": make_course_session(courses["neglect"], dates=[day(2025, 3, 31)], capacity=10),
    }
    confirmed, cancelled, waiting = (
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
        BookingStatus.WAITLISTED,
    )
    bookings = [
        # person, session, agency booked as, status, outcome, extra
        ("P1", "S1", "school", confirmed, "completed", {}),
        ("P2", "S1", "council", confirmed, "no_show", {}),
        ("P3", "S1", "nhs", cancelled, None, {"is_late_cancellation": True}),
        ("P5", "S1", "church", confirmed, "completed", {}),
        ("P7", "S1", "nhs", cancelled, None, {}),
        ("P2", "S2", "council", confirmed, "completed", {}),
        ("P10", "S2", "council", confirmed, "completed", {}),
        ("P9", "S2", "school", confirmed, "completed", {}),
        ("P4", "S2", "nhs", confirmed, "completed", {"is_walk_in": True}),
        ("P11", "S2", "nhs", confirmed, "partial", {}),
        ("P5", "S2", "church", waiting, None, {}),
        ("P6", "S3", "school", cancelled, None, {}),
        ("P1", "S4", "council", confirmed, "completed", {}),
        ("P3", "S4", "nhs", confirmed, "partial", {}),
        ("P6", "S5", "school", confirmed, "completed", {}),
        ("P7", "S5", "nhs", confirmed, "no_show", {}),
        ("P8", "S6", "council", confirmed, "completed", {}),
        ("P8", "S7", "council", confirmed, "completed", {}),
    ]
    charges = {
        ("P2", "S1"): (ChargeReason.NO_SHOW, 5000, ChargeStatus.RAISED),
        ("P3", "S1"): (ChargeReason.LATE_CANCELLATION, 2500, ChargeStatus.WAIVED),
        ("P7", "S5"): (ChargeReason.NO_SHOW, 5000, ChargeStatus.DISPUTED),
    }
    booked = {}
    with app.app_context():
        for person, session, agency, status, outcome, extra in bookings:
            course_session = db.session.get(CourseSession, sessions[session])
            booking = Booking(
                user_id=people[person].id,
                session_id=course_session.id,
                agency_id=agencies[agency],
                status=status,
                outcome=outcome,
                created_at=course_session.starts_at - timedelta(days=20),
                **extra,
            )
            if status is waiting:
                booking.waitlisted_at = booking.created_at
            if status is cancelled:
                booking.cancelled_at = course_session.starts_at - timedelta(days=1)
            if status is confirmed:
                course_session.places_taken += 1
            db.session.add(booking)
            db.session.flush()
            booked[(person, session)] = (booking.id, course_session.ends_at)
            if (person, session) in charges:
                reason, pence, charge_status = charges[(person, session)]
                db.session.add(
                    NonAttendanceCharge(
                        booking_id=booking.id,
                        agency_id=booking.agency_id,
                        reason=reason,
                        amount_pence=pence,
                        status=charge_status,
                    )
                )
        # P1 moved from the school to the council after S1.
        db.session.get(User, people["P1"].id).agency_id = agencies["council"]
        for person, course, created, told in [
            ("P5", "two-day", datetime(2025, 6, 1, tzinfo=UTC), None),
            ("P7", "neglect", datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 8, 1, tzinfo=UTC)),
            ("P8", "neglect", datetime(2026, 5, 1, tzinfo=UTC), None),
        ]:
            db.session.add(
                Interest(
                    user_id=people[person].id,
                    course_id=courses[course],
                    agency_id=agencies[home[person]],
                    created_at=created,
                    notified_at=told,
                )
            )
        db.session.commit()
    certified = {
        (person, session): make_certificate(
            people[person].id,
            booking_id=booked[(person, session)][0],
            now=booked[(person, session)][1],
        )
        for person, session in [("P1", "S1"), ("P9", "S2"), ("P4", "S2")]
    }
    with app.app_context():
        db.session.add(
            CertificateCheck(
                certificate_id=certified[("P1", "S1")],
                checked_at=datetime(2025, 6, 2, 10, tzinfo=UTC),
                method=CheckMethod.CODE,
            )
        )
        db.session.commit()
    level_one = make_module("Level 1 Safeguarding Children", module_code="L1SC")
    make_completion(people["P2"].id, level_one, date(2025, 6, 1))
    make_completion(people["P3"].id, level_one, date(2025, 9, 1))
    coordinators = {
        where: make_user(
            name=f"Coordinator {where}", roles=(Role.COORDINATOR,), agency_id=agencies[where]
        )
        for where in ("council", "school")
    }
    pdl = make_user(name="PDL viewer", roles=(Role.PDL_VIEWER,), agency_id=agencies["council"])
    return History(agencies, people, sessions, courses, coordinators, pdl)


# The evaluation history the impact report and the trainers' summaries are counted on.
from tests.reports.impact_history import impact_history  # noqa: E402, F401
