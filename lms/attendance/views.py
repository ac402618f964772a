"""Registers: marking attendance per session date, walk-ins, the printable sign-in sheet and
self check-in by QR code."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.services import active_agencies, find_user_by_email
from lms.attendance import closeout, services
from lms.attendance.models import Mark
from lms.audit.services import events_for
from lms.catalogue.models import SessionDate
from lms.core.errors import DomainError
from lms.core.forms import commit_and_flash
from lms.core.inputs import digits
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import local, uk_day, uk_time
from lms.extensions import db

bp = Blueprint("attendance", __name__)


def _register_date(date_id: int) -> SessionDate:
    session_date = db.get_or_404(SessionDate, date_id)
    require(permissions.can_take_register(current_user, session_date.session))
    return session_date


def _render(
    session_date: SessionDate, *, entered: dict | None = None, error: str | None = None, status=200
):
    marks = services.marks_for(session_date)
    bookings = services.register_bookings(session_date)
    history = [event for mark in marks.values() for event in events_for(mark)]
    return (
        render_template(
            "attendance/register.html",
            date=session_date,
            session=session_date.session,
            bookings=bookings,
            marks=marks,
            entered=entered or {},
            error=error,
            choices=list(Mark),
            history=sorted(history, key=lambda event: event.at, reverse=True),
            started=session_date.starts_at <= utcnow(),
            unmarked=[b for b in bookings if b.id not in marks],
            agencies=active_agencies(),
            closing=closeout.closing(session_date.session, now=utcnow()),
        ),
        status,
    )


@bp.get("/registers/<int:date_id>")
@login_required
def register(date_id):
    return _render(_register_date(date_id))


@bp.post("/registers/<int:date_id>")
@login_required
def save(date_id):
    session_date = _register_date(date_id)
    entries, entered = [], {}
    for booking in services.register_bookings(session_date):
        value = request.form.get(f"mark-{booking.id}")
        if not value:
            continue
        try:
            mark = Mark(value)
        except ValueError:
            abort(400)
        entered[booking.id] = mark
        seen = request.form.get(f"version-{booking.id}", "0")
        entries.append(services.Entry(booking.id, mark, digits(seen) or 0))
    if not entries:
        return _render(session_date, error="Choose a mark for at least one person")
    try:
        course_session = services.save_register(
            session_date, entries, by=current_user, now=utcnow()
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _render(
            session_date,
            entered=entered,
            error=str(error),
            status=409 if isinstance(error, services.RegisterConflict) else 200,
        )
    flash(
        "The register has been saved."
        + (
            " The session was already closed, so outcomes and charges were corrected."
            if course_session.status.value == "completed"
            else ""
        ),
        "success",
    )
    return redirect(url_for("attendance.register", date_id=date_id))


@bp.post("/registers/<int:date_id>/everyone-present")
@login_required
def everyone_present(date_id):
    session_date = _register_date(date_id)
    commit_and_flash(
        lambda: services.mark_everyone_present(session_date, by=current_user, now=utcnow()),
        lambda count: (
            f"{count} {'person' if count == 1 else 'people'} marked present. "
            "Now mark anyone who was not."
        ),
    )
    return redirect(url_for("attendance.register", date_id=date_id))


@bp.route("/registers/<int:date_id>/final", methods=["GET", "POST"])
@login_required
def finalise(date_id):
    """The trainer says the register is final: a page saying what closing does, then the close."""
    session_date = _register_date(date_id)
    course_session = session_date.session
    now, error = utcnow(), None
    if request.method == "POST":
        try:
            closeout.finalise(course_session, by=current_user, now=now)
            db.session.commit()
            flash("The register is final and the session has been closed.", "success")
            return redirect(url_for("attendance.register", date_id=date_id))
        except DomainError as problem:
            db.session.rollback()
            error = str(problem)
    return render_template(
        "attendance/finalise.html",
        date=session_date,
        session=course_session,
        closing=closeout.closing(course_session, now=now),
        error=error,
    ), (200 if error is None else 400)


@bp.post("/registers/<int:date_id>/walk-in")
@login_required
def walk_in(date_id):
    """Someone came without booking: an existing account by email, or a new one made here (the
    person is emailed a link to choose a password)."""
    from lms.accounts import auth
    from lms.accounts.models import Role
    from lms.accounts.services import PersonDetails

    session_date = _register_date(date_id)
    form = request.form
    now = utcnow()
    try:
        person = find_user_by_email(form.get("email", ""))
        if person is None and form.get("name"):
            person = auth.add_person(
                PersonDetails(
                    name=form.get("name", ""),
                    email=form.get("email", ""),
                    job_title=form.get("job_title", ""),
                    agency_id=digits(form.get("agency_id")),
                ),
                roles={Role.PRACTITIONER},
                active=True,
                by=current_user,
                now=now,
                valid_for=auth.INVITATION_VALID_FOR,
                link_for=lambda token: url_for(
                    "accounts.reset_password", token=token, _external=True
                ),
            )
        if person is None:
            raise services.AttendanceError(
                "There is no account with that email address: fill in their name, job title "
                "and agency to add them"
            )
        services.add_walk_in(session_date, person, by=current_user, now=now)
        db.session.commit()
        flash(f"{person.name} has been added to the register as attended.", "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("attendance.register", date_id=date_id))


@bp.get("/registers/<int:date_id>/sign-in-sheet.pdf")
@login_required
def sign_in_sheet(date_id):
    from flask import current_app

    from lms.attendance.documents import SheetRow, SignInSheet
    from lms.attendance.documents import sign_in_sheet as build

    session_date = _register_date(date_id)
    course_session = session_date.session
    course = course_session.course
    sheet = SignInSheet(
        partnership=current_app.config["PARTNERSHIP_NAME"],
        course_title=course.title,
        course_code=course.code,
        date_text=uk_day(session_date.starts_at),
        time_text=f"{uk_time(session_date.starts_at)} to {uk_time(session_date.ends_at)}",
        location=course_session.location,
        trainers=", ".join(t.name for t in course_session.trainers) or "To be confirmed",
        reference=f"Session {course_session.id}, date {session_date.id}",
        rows=tuple(
            SheetRow(name=b.user.name, agency=b.agency.name, job_title=b.user.job_title)
            for b in services.register_bookings(session_date)
        ),
    )
    response = Response(build(sheet), content_type="application/pdf")
    day = local(session_date.starts_at).strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=sign-in-{course.code}-{day}.pdf"
    )
    return response


@bp.get("/registers/<int:date_id>/check-in")
@login_required
def show_check_in(date_id):
    from lms.attendance.documents import qr_svg

    session_date = _register_date(date_id)
    url = url_for(
        "attendance.check_in",
        date_id=date_id,
        token=services.check_in_token(session_date),
        _external=True,
    )
    return render_template(
        "attendance/check_in_code.html",
        date=session_date,
        session=session_date.session,
        url=url,
        svg=qr_svg(url),
    )


@bp.route("/check-in/<int:date_id>/<token>", methods=["GET", "POST"])
@login_required
def check_in(date_id, token):
    session_date = db.get_or_404(SessionDate, date_id)
    if request.method == "GET":
        return render_template(
            "attendance/check_in.html", date=session_date, session=session_date.session
        )
    commit_and_flash(
        lambda: services.self_check_in(session_date, current_user, token, now=utcnow()),
        f"You are checked in to {session_date.session.course.title}. Welcome.",
    )
    return redirect(url_for("attendance.check_in", date_id=date_id, token=token))


@bp.route("/registers/<int:date_id>/import", methods=["GET", "POST"])
@login_required
def import_report(date_id):
    from lms.attendance import importing

    session_date = _register_date(date_id)
    error = None
    if request.method == "POST":
        upload = request.files.get("report")
        data = upload.read() if upload else b""
        try:
            if upload is None or not upload.filename:
                raise importing.ReportImportError("Choose the attendance report file to upload")
            if not data:
                raise importing.ReportImportError(
                    "The file is empty. Download the report from Teams or Zoom again"
                )
            batch = importing.upload(
                session_date, data, upload.filename, by=current_user, now=utcnow()
            )
            db.session.commit()
            return redirect(url_for("attendance.review_import", batch_id=batch.id))
        except DomainError as problem:
            db.session.rollback()
            error = str(problem)
    return render_template(
        "attendance/import.html", date=session_date, session=session_date.session, error=error
    ), (200 if error is None else 400)


@bp.route("/imports/<int:batch_id>", methods=["GET", "POST"])
@login_required
def review_import(batch_id):
    """Review an import a page at a time; each page's choices are kept when moving on, and
    applying needs a choice for every row that matched nobody, on every page."""
    from lms.attendance import importing
    from lms.attendance.models import ImportBatch

    batch = db.get_or_404(ImportBatch, batch_id)
    session_date = _register_date(batch.session_date_id)
    page = request.values.get("page", "1")
    page = digits(page, longest=6) or 1
    error = None
    if request.method == "POST":
        choices = {}
        for key, value in request.form.items():
            index = key.removeprefix("match-")
            if key.startswith("match-") and digits(index, longest=6) is not None:
                if value and digits(value) is None:
                    abort(400)
                choices[int(index)] = digits(value)
        try:
            importing.record_choices(batch, choices)
            db.session.commit()  # this page's choices are kept even if applying is refused
            if request.form.get("action") == "apply":
                changed = importing.apply(batch, {}, by=current_user, now=utcnow())
                db.session.commit()
                flash(f"The report has been applied: {changed} marks set or changed.", "success")
                return redirect(url_for("attendance.register", date_id=session_date.id))
            target = request.form.get("go", "")
            target = digits(target, longest=6) or page
            return redirect(url_for("attendance.review_import", batch_id=batch.id, page=target))
        except DomainError as problem:
            db.session.rollback()
            error = str(problem)
    return render_template(
        "attendance/review_import.html",
        batch=batch,
        date=session_date,
        session=session_date.session,
        earlier=importing.earlier_import(batch),
        error=error,
        **importing.review(batch, page),
    ), (200 if error is None else 400)


@bp.get("/admin/attendance-decisions")
@login_required
def decisions():
    require(permissions.is_admin(current_user))
    return render_template("attendance/decisions.html", bookings=services.awaiting_decision())


@bp.post("/bookings/<int:booking_id>/left-early/<any('counts', 'not-counts'):verdict>")
@login_required
def decide_left_early(booking_id, verdict):
    from lms.bookings.models import Booking

    require(permissions.is_admin(current_user))
    booking = db.get_or_404(Booking, booking_id)
    commit_and_flash(
        lambda: services.decide_left_early(
            booking, counts=verdict == "counts", by=current_user, now=utcnow()
        ),
        f"{booking.user.name}'s attendance has been decided.",
    )
    return redirect(url_for("attendance.decisions"))
