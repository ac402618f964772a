"""A person's bookings: book, join the waiting list, cancel, pass a place on, answer an offer,
register interest, and their private calendar feed."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from lms.accounts import permissions, tokens
from lms.accounts.models import TokenKind, User
from lms.accounts.services import find_user_by_email
from lms.bookings import pages, queries, services, waiting_list
from lms.bookings.forms import PersonByEmailForm, ReasonForm
from lms.bookings.interest import register_interest, withdraw_interest
from lms.bookings.models import Booking, BookingStatus, PlaceOffer
from lms.bookings.places import BookingError
from lms.catalogue.calendar import build_calendar
from lms.catalogue.models import Course, CourseSession
from lms.certificates import my_training as certificates
from lms.compliance import my_training as compliance
from lms.core.forms import commit_and_flash, commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.urls import site_domain
from lms.elearning import renewals
from lms.extensions import db
from lms.feedback import my_training as evaluations

bp = Blueprint("bookings", __name__)


def _booked_message(booking: Booking) -> str:
    who = "You have" if booking.user_id == current_user.id else f"{booking.user.name} has"
    if booking.status is BookingStatus.CONFIRMED:
        return f"{who} a place. A confirmation with a calendar invitation is on its way."
    if booking.status is BookingStatus.PENDING:
        return f"{who} a place held while the agency coordinator decides."
    position = queries.waiting_position(booking)
    who = "You are" if booking.user_id == current_user.id else f"{booking.user.name} is"
    return f"The session is full. {who} number {position} on the waiting list."


def _act(action, success, back: str):
    """Run a booking action from a button, then go back."""
    commit_and_flash(action, success)
    return redirect(back)


@bp.post("/sessions/<int:session_id>/book")
@login_required
def book(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    return _act(
        lambda: services.book_place(course_session, current_user, by=current_user, now=utcnow()),
        _booked_message,
        url_for("catalogue.session", session_id=session_id),
    )


@bp.post("/sessions/<int:session_id>/book-colleague")
@login_required
def book_colleague(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(permissions.is_coordinator(current_user))
    form = pages.colleague_form(current_user)
    if not form.validate_on_submit():
        return render_template(
            "catalogue/session.html",
            **pages.session_page(course_session, current_user, now=utcnow(), form=form),
        )
    person = db.get_or_404(User, form.person_id.data)
    require(permissions.can_book_for(current_user, person))
    return _act(
        lambda: services.book_place(course_session, person, by=current_user, now=utcnow()),
        _booked_message,
        url_for("catalogue.session", session_id=session_id),
    )


@bp.get("/my-training")
@login_required
def my_training():
    now = utcnow()
    bookings = db.session.scalars(queries.bookings_of(current_user)).all()
    upcoming = [b for b in bookings if b.session.ends_at > now and b.is_live]
    past = [
        b for b in bookings if b.session.ends_at <= now and b.status in (BookingStatus.CONFIRMED,)
    ]
    asked = evaluations.for_page(current_user.id, upcoming, now=now)
    return render_template(
        "bookings/my_training.html",
        offers=queries.open_offers_for(current_user),
        upcoming=upcoming,
        past=past,
        ended=[b for b in bookings if not b.is_live and b.session.ends_at > now][:10],
        positions={b.id: queries.waiting_position(b) for b in upcoming},
        interests=queries.interests_of(current_user),
        calendar_url=request.args.get("calendar_url"),
        has_calendar=tokens.has_active(current_user, TokenKind.CALENDAR),
        now=now,
        elearning=renewals.renewals_of(current_user.id, today=renewals.today_in_uk(now)),
        **asked,
        **compliance.for_page(current_user, now=now),
        **certificates.for_page(
            current_user.id, asked["evaluations"], today=renewals.today_in_uk(now)
        ),
    )


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(permissions.can_manage_booking(current_user, booking))
    form = ReasonForm()
    waiting = booking.status is BookingStatus.WAITLISTED
    own = booking.user_id == current_user.id
    form.reason.label.text = (
        "Why are you leaving the waiting list?" if waiting else "Why are you cancelling?"
    )
    late = (
        booking.holds_place
        and booking.session.cancellation_cutoff_at
        and utcnow() > booking.session.cancellation_cutoff_at
    )
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: services.cancel_booking(
                booking, by=current_user, reason=form.reason.data, now=utcnow()
            ),
        )
        if done.ok:
            if not waiting:
                flash("The booking has been cancelled.", "success")
            elif own:
                flash("You have left the waiting list.", "success")
            else:
                flash(f"{booking.user.name} has been taken off the waiting list.", "success")
            return redirect(_back_after(booking))
    return render_template("bookings/cancel.html", form=form, booking=booking, late=late)


def _back_after(booking: Booking) -> str:
    if booking.user_id == current_user.id:
        return url_for("bookings.my_training")
    if permissions.is_coordinator(current_user) and current_user.agency_id == booking.agency_id:
        return url_for("manage.agency_bookings")
    return url_for("manage.session_bookings", session_id=booking.session_id)


@bp.route("/bookings/<int:booking_id>/substitute", methods=["GET", "POST"])
@login_required
def substitute(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(permissions.can_manage_booking(current_user, booking))
    form = PersonByEmailForm()
    form.email.label.text = "Your colleague's work email address"
    form.submit.label.text = "Pass the place on"
    if form.validate_on_submit():
        colleague = find_user_by_email(form.email.data)

        def hand_over():
            if colleague is None:
                raise BookingError(
                    "There is no account with this email address. "
                    "Ask your colleague to create one first",
                    field="email",
                )
            return services.substitute(booking, colleague, by=current_user, now=utcnow())

        done = commit_or_show(form, hand_over)
        if done.ok:
            flash(f"The place has passed to {done.value.user.name}.", "success")
            return redirect(_back_after(booking))
    return render_template("bookings/substitute.html", form=form, booking=booking)


@bp.get("/offers/<int:offer_id>")
@login_required
def offer(offer_id):
    offer = db.get_or_404(PlaceOffer, offer_id)
    if offer.booking.user_id != current_user.id:
        abort(403)
    return render_template("bookings/offer.html", offer=offer, now=utcnow())


@bp.post("/offers/<int:offer_id>/<any(accept, decline):answer>")
@login_required
def answer_offer(offer_id, answer):
    offer = db.get_or_404(PlaceOffer, offer_id)
    if offer.booking.user_id != current_user.id:
        abort(403)
    if answer == "accept":
        return _act(
            lambda: waiting_list.accept_offer(offer, current_user, now=utcnow()),
            "The place is yours. A confirmation with a calendar invitation is on its way.",
            url_for("bookings.my_training"),
        )
    return _act(
        lambda: waiting_list.decline_offer(offer, current_user, now=utcnow()),
        "You have turned the place down. It has gone to the next person waiting.",
        url_for("bookings.my_training"),
    )


@bp.post("/courses/<code>/interest")
@login_required
def interest(code):
    course = db.session.scalar(sa.select(Course).where(Course.code == code.upper()))
    if course is None:
        abort(404)
    back = url_for("catalogue.course", code=course.code)
    if request.form.get("withdraw"):
        return _act(
            lambda: withdraw_interest(course, current_user),
            "You will no longer hear about new dates.",
            back,
        )
    return _act(
        lambda: register_interest(course, current_user, now=utcnow()),
        "We will email you when a session of this course opens for booking.",
        back,
    )


@bp.post("/my-training/calendar")
@login_required
def new_calendar_link():
    secret = tokens.issue(current_user, TokenKind.CALENDAR, now=utcnow(), label="Calendar feed")
    db.session.commit()
    flash("Your new calendar link is below. Any earlier link has stopped working.", "success")
    url = url_for("bookings.personal_feed", token=secret, _external=True)
    return redirect(url_for("bookings.my_training", calendar_url=url) + "#calendar")


@bp.get("/calendar/me/<token>.ics")
def personal_feed(token):
    person = tokens.holder(token, TokenKind.CALENDAR, now=utcnow())
    if person is None:
        abort(404)
    db.session.commit()
    sessions = db.session.scalars(
        sa.select(CourseSession)
        .join(Booking, Booking.session_id == CourseSession.id)
        .where(Booking.user_id == person.id, Booking.status == BookingStatus.CONFIRMED)
        .options(
            selectinload(CourseSession.course).selectinload(Course.themes),
            selectinload(CourseSession.venue),
            selectinload(CourseSession.dates),
        )
        .order_by(CourseSession.starts_at)
    ).all()
    config = current_app.config
    body = build_calendar(
        sessions,
        calendar_name=f"My training – {config['PARTNERSHIP_NAME']}",
        product=config["PARTNERSHIP_NAME"],
        course_url=lambda course: url_for("catalogue.course", code=course.code, _external=True),
        uid_domain=site_domain(),
    )
    response = current_app.response_class(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
