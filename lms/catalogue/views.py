"""The public catalogue: find training, course pages, session pages; a trainer's sessions."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

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


@dataclass(frozen=True)
class Search:
    """The catalogue's filters for one query string, with the filter panel and error summary
    rendered: the same for everyone who sends that query string, so worked out once per version
    of the catalogue (the themes) and epoch of the clock (the months offered end at midnight).
    Shared by every request: nothing may change it, `filters` included."""

    filters: queries.Filters
    panel: Markup
    summary: Markup
    errors: dict


def _search(now, *, sessions_filters: bool) -> Search:
    # The panel never shows the page number; whether anything at all was sent decides whether
    # the form is validated.
    sent = tuple((key, value) for key, value in request.args.items(multi=True) if key != "page")
    key = ("catalogue-search", request.endpoint, bool(request.args), sent)
    return cache.memo(key, lambda: _new_search(now, sessions_filters), now=now)


def _new_search(now, sessions_filters: bool) -> Search:
    form = CatalogueSearchForm(request.args)
    form.set_options(db.session.scalars(queries.active_themes()).all(), local(now).date())
    valid = form.validate() if request.args else True
    panel = render_template(
        "catalogue/_filters.html",
        form=form,
        action=url_for(request.endpoint),
        sessions_filters=sessions_filters,
    )
    summary = get_template_attribute("macros/forms.html", "error_summary")(form)
    return Search(
        filters=_filters(form) if valid else queries.Filters(),
        panel=Markup(panel),
        summary=Markup(summary),
        errors=dict(form.errors),
    )


@bp.get("/training")
@cache.public
def index():
    now = utcnow()
    search = _search(now, sessions_filters=True)
    # The results are the same for everyone who sends the same query string (signed in or not),
    # so they are worked out once per version of the catalogue, like the filter panel.
    results = cache.fragment(
        ("catalogue-results", request.query_string), lambda: _results(search, now), now=now
    )
    return render_template("catalogue/index.html", form=search, results=results)


def _results(search, now) -> str:
    page = db.paginate(
        queries.catalogue_sessions(search.filters, now=now), per_page=PER_PAGE, error_out=False
    )
    modules_query = queries.catalogue_modules(search.filters)
    modules = (
        db.session.scalars(modules_query).all()
        if modules_query is not None and page.page == 1
        else []
    )
    return render_template(
        "catalogue/_results.html",
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
    search = _search(now, sessions_filters=False)
    page = db.paginate(
        queries.catalogue_courses(search.filters), per_page=PER_PAGE, error_out=False
    )
    upcoming = queries.upcoming_counts([course.id for course in page.items], now=now)
    return render_template(
        "catalogue/courses.html",
        form=search,
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
    # One query for the session, its course, venue and dates and its waiting list, one for its
    # trainers (joined too, SQLite would read every session's trainers to find them).
    found = (
        db.session.execute(
            sa.select(CourseSession, bookings_queries.waiting_count_column(session_id))
            .where(CourseSession.id == session_id)
            .options(
                joinedload(CourseSession.course),
                joinedload(CourseSession.venue),
                joinedload(CourseSession.dates),
                selectinload(CourseSession.trainers),
            )
        )
        .unique()
        .first()
    )
    if found is None or not _visible(found[0].course):
        abort(404)
    course_session, waiting = found
    return render_template(
        "catalogue/session.html",
        **bookings_for_pages.session_page(
            course_session, current_user, now=utcnow(), waiting=waiting
        ),
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
