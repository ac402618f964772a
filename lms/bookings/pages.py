"""What the catalogue's pages show about bookings (the booking panel, interest)."""

import sqlalchemy as sa

from lms.accounts import permissions
from lms.bookings import queries, services
from lms.bookings.models import Interest
from lms.extensions import db


def session_panel(course_session, user) -> dict:
    """The signed-in person's booking and position, the waiting list, a coordinator's colleagues."""
    own = services.live_booking(user, course_session) if user.is_authenticated else None
    teaches = user.is_authenticated and any(t.id == user.id for t in course_session.trainers)
    confirmed = own is not None and own.status.value == "confirmed"
    return {
        # The join link is for people with a confirmed place and the session's trainers.
        "show_join_link": bool(course_session.venue is None and (confirmed or teaches)),
        "own_booking": own,
        "own_position": services.waiting_position(own) if own else None,
        "waiting": queries.waiting_count(course_session.id),
        "colleagues": queries.colleagues_of(user) if permissions.is_coordinator(user) else [],
    }


def is_interested(user, course) -> bool:
    if not user.is_authenticated:
        return False
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Interest)
            .where(
                Interest.user_id == user.id,
                Interest.course_id == course.id,
                Interest.notified_at.is_(None),
            )
        )
    )
