"""The public catalogue: find training, course pages, session pages; a trainer's sessions."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.bookings import pages as bookings_for_pages
from lms.bookings import queries as bookings_queries
from lms.catalogue import queries
from lms.catalogue.forms import CatalogueSearchForm
from lms.catalogue.models import Audience, Course, CourseSession, CourseStatus, DeliveryMode
from lms.catalogue.modules import validity_text
from lms.core import cache
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import local
from lms.extensions import db

bp = Blueprint("catalogue", __name__)
bp.add_app_template_filter(validity_text, "validity")
PER_PAGE = 20


def _filters(form: CatalogueSearchForm) -> queries.Filters:
    month = None
    if form.month.data:
        year, number = form.month.data.split("-")
        month = date(int(year), int(number), 1)
    return queries.Filters(
        text=form.q.data or "",
        theme_id=form.theme.data,
        level=form.level.data,
        delivery_mode=DeliveryMode(form.mode.data) if form.mode.data else None,
        audience=Audience(form.audience.data) if form.audience.data else None,
        month=month,
        time_of_day=form.time.data or None,
        places_available=bool(form.places.data),
    )


def _query_args() -> dict:
    """The filters in the address, for the pagination links to carry."""
    return {key: value for key, value in request.args.items() if key != "page"}


def _search_form(now) -> CatalogueSearchForm:
    form = CatalogueSearchForm(request.args)
    form.set_options(db.session.scalars(queries.active_themes()).all(), local(now).date())
    return form


@bp.get("/training")
@cache.public
def index():
    now = utcnow()
    form = _search_form(now)
    valid = form.validate() if request.args else True
    filters = _filters(form) if valid else queries.Filters()
    page = db.paginate(
        queries.catalogue_sessions(filters, now=now), per_page=PER_PAGE, error_out=False
    )
    modules_query = queries.catalogue_modules(filters)
    modules = (
        db.session.scalars(modules_query).all()
        if modules_query is not None and page.page == 1
        else []
    )
    return render_template(
        "catalogue/index.html",
        form=form,
        page=page,
        modules=modules,
        now=now,
        searched=bool(request.args),
        args=_query_args(),
    )


@bp.get("/courses")
@cache.public
def courses():
    now = utcnow()
    form = _search_form(now)
    valid = form.validate() if request.args else True
    filters = _filters(form) if valid else queries.Filters()
    page = db.paginate(queries.catalogue_courses(filters), per_page=PER_PAGE, error_out=False)
    upcoming = queries.upcoming_counts([course.id for course in page.items], now=now)
    return render_template(
        "catalogue/courses.html",
        form=form,
        page=page,
        upcoming=upcoming,
        args=_query_args(),
    )


def _visible(course: Course) -> bool:
    """Drafts are seen only by administrators; published and archived courses by everyone."""
    return course.status is not CourseStatus.DRAFT or permissions.is_admin(current_user)


@bp.get("/courses/<code>")
@cache.public
def course(code):
    course = db.session.scalar(sa.select(Course).where(Course.code == code.upper()))
    if course is None or not _visible(course):
        abort(404)
    now = utcnow()
    sessions = db.session.scalars(queries.upcoming_sessions_of(course, now=now)).all()
    return render_template(
        "catalogue/course.html",
        course=course,
        sessions=sessions,
        now=now,
        bookable_now=any(session.is_bookable(now) for session in sessions),
        interested=bookings_for_pages.is_interested(current_user, course),
    )


@bp.get("/sessions/<int:session_id>")
@cache.public
def session(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    if not _visible(course_session.course):
        abort(404)
    return render_template(
        "catalogue/session.html",
        **bookings_for_pages.session_page(course_session, current_user, now=utcnow()),
    )


@bp.get("/trainer/sessions")
@login_required
def my_sessions():
    require(permissions.is_trainer(current_user))
    now = utcnow()
    sessions = db.session.scalars(queries.sessions_taught_by(current_user.id)).all()
    upcoming = [s for s in reversed(sessions) if s.ends_at > now]
    past = [s for s in sessions if s.ends_at <= now]
    to_finish = bookings_queries.registers_to_finish(sessions, now=now)
    return render_template(
        "catalogue/my_sessions.html",
        now=now,
        upcoming=upcoming,
        past=past,
        to_finish=to_finish,
        partnership=current_app.config["PARTNERSHIP_NAME"],
    )
