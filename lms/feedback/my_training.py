"""The evaluations a person has to answer, for "Your training": two queries, however many
bookings they have."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import SessionStatus
from lms.extensions import db
from lms.feedback.models import Response, Stage
from lms.feedback.requests import ASKED, OPEN


def for_page(user_id: int, upcoming: list[Booking], *, now: datetime) -> dict:
    """`evaluations`: the person's open requests before and straight after a course, soonest
    due first; `starting_point`: the ids of their upcoming bookings that may rate a starting
    point and have not been asked for one yet."""
    evaluations = db.session.scalars(
        sa.select(Response)
        .where(Response.user_id == user_id, Response.stage.in_(ASKED), OPEN)
        .where(Response.expires_at > now)
        .options(joinedload(Response.course))
        .order_by(Response.expires_at, Response.id)
    ).all()
    candidates = [
        booking.id
        for booking in upcoming
        if booking.status is BookingStatus.CONFIRMED
        and booking.session.course.evaluation_before
        and booking.session.status is not SessionStatus.CANCELLED
        and booking.session.starts_at > now
    ]
    asked = set()
    if candidates:
        asked = set(
            db.session.scalars(
                sa.select(Response.booking_id).where(
                    Response.stage == Stage.BEFORE, Response.booking_id.in_(candidates)
                )
            )
        )
    return {
        "evaluations": evaluations,
        "starting_point": {booking_id for booking_id in candidates if booking_id not in asked},
    }
