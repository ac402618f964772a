"""Managing bookings: a session's list for its trainers and admins, a coordinator's agency
bookings and approvals, demand shown by registered interest, and the booking settings."""

import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.services import find_user_by_email
from lms.audit.services import events_for
from lms.bookings import decisions, history, queries
from lms.bookings.forms import AdminPlaceForm, ReasonForm, SettingsForm
from lms.bookings.models import Booking
from lms.bookings.places import BookingError
from lms.catalogue.models import CourseSession
from lms.core.cells import safe_cell
from lms.core.forms import commit_and_flash, commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import uk_datetime
from lms.core.urls import same_site_path
from lms.extensions import db
from lms.settings import services as settings

bp = Blueprint("manage", __name__)


def _bookings_page(
    course_session: CourseSession, form: AdminPlaceForm, place: AdminPlaceForm | None = None
) -> str:
    """The session's bookings with "Add someone" (`form`); `place` is a refused "Give a place"
    to show again by its booking, with its errors and the reason as typed."""
    bookings = queries.session_bookings(course_session)
    return render_template(
        "manage/session_bookings.html",
        session=course_session,
        bookings=bookings,
        positions=queries.waiting_positions(bookings),
        decisions=history.session_decisions(bookings),
        form=form,
        place=place,
    )


def _place_form(booking: Booking) -> AdminPlaceForm:
    """The "Give a place" form of one waiting booking: its boxes have ids of their own, so an
    error leads to the right row."""
    form = AdminPlaceForm()
    form.booking_id = booking.id
    form.reason.id, form.confirm.id = f"reason-{booking.id}", f"confirm-{booking.id}"
    return form


@bp.get("/sessions/<int:session_id>/bookings")
@login_required
def session_bookings(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(permissions.can_see_session_bookings(current_user, course_session))
    return _bookings_page(course_session, AdminPlaceForm())


@bp.get("/sessions/<int:session_id>/bookings.csv")
@login_required
def session_bookings_csv(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(permissions.can_see_session_bookings(current_user, course_session))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Name",
            "Email",
            "Job title",
            "Agency",
            "Status",
            "Waiting list position",
            "Booked at (UK time)",
        ]
    )
    bookings = queries.session_bookings(course_session)
    positions = queries.waiting_positions(bookings)
    for booking in bookings:
        writer.writerow(
            safe_cell(value)
            for value in [
                booking.user.name,
                booking.user.email,
                booking.user.job_title,
                booking.agency.name,
                booking.status.label,
                positions.get(booking.id, ""),
                uk_datetime(booking.created_at),
            ]
        )
    response = Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=session-{session_id}-bookings.csv"
    )
    return response


@bp.post("/bookings/<int:booking_id>/confirm")
@login_required
def admin_confirm(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(permissions.is_admin(current_user))
    form = _place_form(booking)

    def give():
        return decisions.admin_confirm(
            booking,
            by=current_user,
            reason=form.reason.data,
            now=utcnow(),
            over_capacity_confirmed=form.confirm.data,
        )

    if not (form.validate_on_submit() and commit_or_show(form, give).ok):
        return _bookings_page(booking.session, AdminPlaceForm(formdata=None), place=form)
    flash(f"{booking.user.name} now has a place.", "success")
    return redirect(url_for("manage.session_bookings", session_id=booking.session_id))


@bp.post("/sessions/<int:session_id>/add")
@login_required
def admin_add(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(permissions.is_admin(current_user))
    form = AdminPlaceForm()
    if not form.validate_on_submit():
        return _bookings_page(course_session, form)
    person = find_user_by_email(form.email.data or "")

    def add():
        if person is None:
            raise BookingError("There is no account with that email address", field="email")
        return decisions.admin_add(
            course_session,
            person,
            by=current_user,
            reason=form.reason.data,
            now=utcnow(),
            over_capacity_confirmed=form.confirm.data,
        )

    if not commit_or_show(form, add).ok:
        return _bookings_page(course_session, form)
    flash(f"{person.name} has been added.", "success")
    return redirect(url_for("manage.session_bookings", session_id=session_id))


@bp.get("/agency/bookings")
@login_required
def agency_bookings():
    require(permissions.is_coordinator(current_user))
    now = utcnow()
    return render_template(
        "manage/agency_bookings.html",
        agency=current_user.agency,
        pending=queries.pending_for_agency(current_user.agency_id),
        bookings=queries.agency_bookings(current_user.agency_id, now=now),
        now=now,
    )


@bp.post("/bookings/<int:booking_id>/approve")
@login_required
def approve(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(permissions.can_decide_booking(current_user, booking))
    commit_and_flash(
        lambda: decisions.approve(booking, by=current_user, now=utcnow()),
        f"{booking.user.name}'s place is approved.",
    )
    return redirect(same_site_path(request.form.get("back"), url_for("manage.agency_bookings")))


@bp.route("/bookings/<int:booking_id>/decline", methods=["GET", "POST"])
@login_required
def decline(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(permissions.can_decide_booking(current_user, booking))
    form = ReasonForm()
    form.reason.label.text = "Why is the booking declined?"
    form.reason.description = f"{booking.user.name} is told this reason"
    form.submit.label.text = "Decline the booking"
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: decisions.decline(
                booking, by=current_user, reason=form.reason.data, now=utcnow()
            ),
        )
        if done.ok:
            flash(f"{booking.user.name}'s booking has been declined.", "success")
            return redirect(
                url_for("manage.agency_bookings")
                if permissions.is_coordinator(current_user)
                else url_for("manage.session_bookings", session_id=booking.session_id)
            )
    return render_template("manage/decline.html", form=form, booking=booking)


@bp.get("/admin/demand")
@login_required
def demand():
    require(permissions.is_admin(current_user))
    rows = queries.demand_by_course()
    return render_template(
        "manage/demand.html",
        rows=rows,
        by_agency={
            course.id: queries.demand_by_agency(course.id) for course, _people, _agencies in rows
        },
    )


@bp.route("/admin/settings", methods=["GET", "POST"])
@login_required
def edit_settings():
    require(permissions.is_admin(current_user))
    row = settings.current()
    form = SettingsForm(obj=row)
    if request.method == "GET":
        form.no_show_charge.data = row.no_show_charge_pence / 100
        form.late_cancellation_charge.data = row.late_cancellation_charge_pence / 100
    if form.validate_on_submit():
        values = form.values()
        done = commit_or_show(form, lambda: settings.update(values, by=current_user))
        if done.ok:
            flash("The settings have been saved.", "success")
            return redirect(url_for("manage.edit_settings"))
    db.session.commit()
    return render_template("manage/settings.html", form=form, events=events_for(row))
