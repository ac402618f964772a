"""Interest in a course that has no session open for booking."""

from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.bookings.models import Interest
from lms.bookings.places import BookingError
from lms.catalogue.models import Course, CourseSession, CourseStatus, DeliveryMode
from lms.extensions import db


def bookable_sessions(course: Course, *, now: datetime) -> list[CourseSession]:
    sessions = db.session.scalars(
        sa.select(CourseSession).where(
            CourseSession.course_id == course.id, CourseSession.starts_at > now
        )
    )
    return [session for session in sessions if session.is_bookable(now)]


def register_interest(course: Course, person: User, *, now: datetime) -> Interest:
    """Ask to be told when the course has a session open for booking."""
    if (
        course.status is not CourseStatus.PUBLISHED
        or course.delivery_mode is DeliveryMode.ELEARNING
    ):
        raise BookingError("This course does not take registrations of interest")
    if bookable_sessions(course, now=now):
        raise BookingError(
            "This course has sessions open for booking now: book one of them instead"
        )
    existing = db.session.scalar(
        sa.select(Interest).where(Interest.user_id == person.id, Interest.course_id == course.id)
    )
    if existing is not None and existing.notified_at is None:
        raise BookingError("You have already asked to hear about new dates for this course")
    if existing is not None:
        existing.notified_at, existing.created_at, existing.agency_id = None, now, person.agency_id
        return existing
    interest = Interest(
        user_id=person.id, course_id=course.id, agency_id=person.agency_id, created_at=now
    )
    db.session.add(interest)
    db.session.flush()
    return interest


def withdraw_interest(course: Course, person: User) -> None:
    interest = db.session.scalar(
        sa.select(Interest).where(
            Interest.user_id == person.id,
            Interest.course_id == course.id,
            Interest.notified_at.is_(None),
        )
    )
    if interest is None:
        raise BookingError("You had not asked to hear about this course")
    db.session.delete(interest)
