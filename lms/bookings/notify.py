"""Messages about bookings, written to the outbox (each also listed on the person's page).

Confirmations carry a METHOD:REQUEST invitation and endings a METHOD:CANCEL with the same UIDs.
A virtual session's join link appears only in messages to people with a confirmed place.
"""

import sqlalchemy as sa
from flask import current_app

from lms.accounts.models import Role, User, UserRole
from lms.bookings.invites import build_invite
from lms.bookings.models import Booking, BookingStatus, PlaceOffer
from lms.bookings.queries import waiting_position
from lms.core.urls import external_url, site_domain
from lms.extensions import db
from lms.mail.services import Attachment, queue_message


def _invite(booking: Booking, method: str, days=None) -> Attachment:
    config = current_app.config
    content = build_invite(
        booking,
        days=days,
        method=method,
        product=config["PARTNERSHIP_NAME"],
        organiser_email=config["MAIL_FROM"],
        uid_domain=site_domain(),
        url=external_url("bookings.my_training"),
    )
    return Attachment(
        "cancel.ics" if method == "CANCEL" else "invite.ics",
        f"text/calendar; method={method}",
        content,
    )


def _send(
    booking: Booking,
    kind: str,
    subject: str,
    *,
    invite: str | None = None,
    withdrawn_days=(),
    **context,
) -> None:
    session = booking.session
    confirmed = booking.status is BookingStatus.CONFIRMED
    queue_message(
        recipient=booking.user.email,
        user=booking.user,
        kind=kind,
        subject=f"{subject}: {session.course.title}",
        context={
            "booking": booking,
            "person": booking.user,
            "session": session,
            "course": session.course,
            "join_link": session.join_link if confirmed and session.venue is None else None,
            "my_training": external_url("bookings.my_training"),
            "session_url": external_url("catalogue.session", session_id=session.id),
            **context,
        },
        attachments=([_invite(booking, invite)] if invite else [])
        + ([_invite(booking, "CANCEL", days=withdrawn_days)] if withdrawn_days else []),
    )


def approvers_of(agency_id: int, *, excluding: int | None = None) -> list[User]:
    """The active coordinators of an agency (other than the person booked), or the
    administrators when there are none."""

    def holders(role, *criteria):
        return list(
            db.session.scalars(
                sa.select(User)
                .join(UserRole)
                .where(UserRole.role == role, User.is_active.is_(True), *criteria)
                .order_by(User.id)
            )
        )

    return holders(Role.COORDINATOR, User.agency_id == agency_id, User.id != excluding) or holders(
        Role.ADMIN, User.id != excluding
    )


def booked(booking: Booking) -> None:
    if booking.status is BookingStatus.CONFIRMED:
        _send(booking, "booking_confirmed", "Your place is confirmed", invite="REQUEST")
    elif booking.status is BookingStatus.WAITLISTED:
        _send(
            booking,
            "booking_waitlisted",
            "You are on the waiting list",
            position=waiting_position(booking),
        )
    elif booking.status is BookingStatus.PENDING:
        _send(booking, "booking_pending", "Your booking is waiting for approval")
        for approver in approvers_of(booking.agency_id, excluding=booking.user_id):
            queue_message(
                recipient=approver.email,
                user=approver,
                kind="approval_requested",
                subject=f"Booking to approve: {booking.user.name}, {booking.session.course.title}",
                context={
                    "booking": booking,
                    "approver": approver,
                    "session": booking.session,
                    "approvals": external_url("manage.agency_bookings"),
                },
            )


def promoted(booking: Booking) -> None:
    _send(booking, "booking_promoted", "You have a place", invite="REQUEST")


def approved(booking: Booking) -> None:
    _send(booking, "booking_approved", "Your booking is approved", invite="REQUEST")


def declined(booking: Booking) -> None:
    _send(booking, "booking_declined", "Your booking was not approved")


def offered(offer: PlaceOffer) -> None:
    _send(
        offer.booking,
        "place_offered",
        "A place is free for you",
        offer=offer,
        offer_url=external_url("bookings.offer", offer_id=offer.id),
    )


def cancelled(booking: Booking, *, by: User, was_waiting: bool = False) -> None:
    """Tell the person their booking is cancelled, or, when it was on the waiting list, that
    they are off the list (no place was theirs, so there is nothing late about it)."""
    had_place = booking.confirmed_at is not None
    _send(
        booking,
        "booking_cancelled",
        "You are off the waiting list" if was_waiting else "Your booking is cancelled",
        invite="CANCEL" if had_place else None,
        by_someone_else=by.id != booking.user_id,
        canceller=by.name,
        was_waiting=was_waiting,
    )


def substituted(original: Booking, replacement: Booking) -> None:
    _send(
        original,
        "substitution_out",
        "Your place has passed to a colleague",
        invite="CANCEL",
        replacement=replacement,
    )
    _send(replacement, "substitution_in", "You have a place", invite="REQUEST", original=original)


def session_cancelled(booking: Booking, *, had_place: bool) -> None:
    _send(booking, "session_cancelled", "Session cancelled", invite="CANCEL" if had_place else None)


def session_changed(booking: Booking, *, withdrawn_days=()) -> None:
    """Tell a booked or waiting person of a change; a confirmed person's invitation is updated
    and the events of any dates taken off the session are cancelled."""
    confirmed = booking.status is BookingStatus.CONFIRMED
    _send(
        booking,
        "session_changed",
        "Session changed",
        invite="REQUEST" if confirmed else None,
        withdrawn_days=withdrawn_days if confirmed else (),
    )


def reminder(booking: Booking) -> None:
    _send(booking, "reminder", "Reminder")


def offer_lapsed(booking: Booking) -> None:
    _send(booking, "offer_lapsed", "The offered place has gone")


def approval_lapsed(booking: Booking) -> None:
    _send(booking, "approval_lapsed", "Your booking lapsed")


def interest_open(interest, sessions) -> None:
    queue_message(
        recipient=interest.user.email,
        user=interest.user,
        kind="interest_session_open",
        subject=f"Now open for booking: {interest.course.title}",
        context={
            "person": interest.user,
            "course": interest.course,
            "sessions": sessions,
            "url_for_session": lambda session: external_url(
                "catalogue.session", session_id=session.id
            ),
        },
    )
