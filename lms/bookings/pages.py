"""What the catalogue's pages show about bookings (the booking panel, interest)."""

import sqlalchemy as sa

from lms.accounts import permissions
from lms.bookings import queries
from lms.bookings.forms import ColleagueForm
from lms.bookings.models import Interest
from lms.extensions import db


def colleague_form(user) -> ColleagueForm | None:
    """A coordinator's form to book a colleague, listing their agency's people."""
    if not permissions.is_coordinator(user):
        return None
    form = ColleagueForm()
    form.set_colleagues(queries.colleagues_of(user))
    return form


def session_panel(
    course_session, user, *, form: ColleagueForm | None = None, waiting: int | None = None
) -> dict:
    """The signed-in person's booking and position, the waiting list (counted here unless the
    caller read it with the session), a coordinator's form to book a colleague (the one sent,
    with its errors, when it is shown again)."""
    own = queries.live_booking(user, course_session) if user.is_authenticated else None
    teaches = user.is_authenticated and any(t.id == user.id for t in course_session.trainers)
    confirmed = own is not None and own.status.value == "confirmed"
    return {
        # The join link is for people with a confirmed place and the session's trainers.
        "show_join_link": bool(course_session.venue is None and (confirmed or teaches)),
        "own_booking": own,
        "own_position": queries.waiting_position(own) if own else None,
        "waiting": queries.waiting_count(course_session.id) if waiting is None else waiting,
        "colleague_form": form or colleague_form(user),
    }


def session_page(
    course_session, user, *, now, form: ColleagueForm | None = None, waiting: int | None = None
) -> dict:
    """What the session page shows: the session, whether it can be booked now, and the booking
    panel (with the colleague form sent, when it is shown again with its errors)."""
    page = {
        "session": course_session,
        "course": course_session.course,
        "now": now,
        "bookable": course_session.is_bookable(now),
        **session_panel(course_session, user, form=form, waiting=waiting),
    }
    if form is not None:
        page["form"] = form  # so the page's title and error summary say what is wrong
    return page


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
