"""Administration of the programme: courses and their scheduled sessions."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from lms.accounts import permissions
from lms.accounts.models import Role, User, UserRole
from lms.audit.services import events_for
from lms.catalogue import services, sessions
from lms.catalogue.forms import CancelSessionForm, CopySessionForm, CourseForm, SessionForm
from lms.catalogue.models import (
    Course,
    CourseSession,
    CourseStatus,
    DeliveryMode,
    Provider,
    Theme,
    Venue,
)
from lms.core.errors import DomainError
from lms.core.forms import commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db

bp = Blueprint("catalogue_admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _administrators_only():
    require(permissions.is_admin(current_user))


@bp.get("/courses")
def courses():
    status = request.args.get("status", "")
    query = (
        sa.select(Course)
        .options(selectinload(Course.themes), selectinload(Course.provider))
        .order_by(Course.title)
    )
    if status in {item.value for item in CourseStatus}:
        query = query.where(Course.status == CourseStatus(status))
    rows = db.session.scalars(query).all()
    from lms.catalogue.queries import upcoming_counts

    return render_template(
        "catalogue_admin/courses.html",
        courses=rows,
        status=status,
        upcoming=upcoming_counts([course.id for course in rows], now=utcnow()),
    )


def _course_form(course: Course | None) -> CourseForm:
    form = CourseForm(obj=course) if request.method == "GET" and course else CourseForm()
    if request.method == "GET" and course:
        form.delivery_mode.data = course.delivery_mode.value
        form.audience.data = course.audience.value
        form.theme_ids.data = [theme.id for theme in course.themes]
    form.set_options(
        providers=db.session.scalars(
            sa.select(Provider).where(Provider.is_active.is_(True)).order_by(Provider.name)
        ),
        themes=db.session.scalars(
            sa.select(Theme).where(Theme.is_active.is_(True)).order_by(Theme.name)
        ),
        courses=db.session.scalars(
            sa.select(Course).where(Course.status != CourseStatus.ARCHIVED).order_by(Course.title)
        ),
        current_id=course.id if course else None,
    )
    return form


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course():
    form = _course_form(None)
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: services.save_course(None, form.details(), by=current_user)
        )
        if done.ok:
            flash(
                f"{done.value.title} has been saved as a draft. "
                "Publish it to show it in the catalogue.",
                "success",
            )
            return redirect(url_for("catalogue_admin.course", course_id=done.value.id))
    return render_template("catalogue_admin/course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
def course(course_id):
    course = db.get_or_404(Course, course_id)
    form = _course_form(course)
    validity_before = course.certificate_validity_months
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: services.save_course(course, form.details(), by=current_user)
        )
        if done.ok:
            moved = (
                course.delivery_mode is DeliveryMode.ELEARNING
                and course.certificate_validity_months != validity_before
            )
            flash(
                f"{course.title} has been saved."
                + (" Its completions now expire to match the new validity." if moved else ""),
                "success",
            )
            return redirect(url_for("catalogue_admin.course", course_id=course.id))
    course_sessions = db.session.scalars(
        sa.select(CourseSession)
        .where(CourseSession.course_id == course.id)
        .options(selectinload(CourseSession.venue), selectinload(CourseSession.dates))
        .order_by(CourseSession.starts_at.desc())
    ).all()
    return render_template(
        "catalogue_admin/course_form.html",
        form=form,
        course=course,
        sessions=course_sessions,
        events=events_for(course),
        now=utcnow(),
    )


def _change_status(course_id: int, change, message: str):
    course = db.get_or_404(Course, course_id)
    try:
        change(course)
        db.session.commit()
        flash(message.format(title=course.title), "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("catalogue_admin.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/publish")
def publish_course(course_id):
    return _change_status(
        course_id,
        lambda course: services.publish_course(course, by=current_user),
        "{title} is published and shown in the catalogue.",
    )


@bp.post("/courses/<int:course_id>/archive")
def archive_course(course_id):
    return _change_status(
        course_id,
        lambda course: services.archive_course(course, by=current_user, now=utcnow()),
        "{title} has been archived.",
    )


@bp.get("/sessions")
def session_list():
    show = request.args.get("show", "upcoming")
    now = utcnow()
    query = sa.select(CourseSession).options(
        selectinload(CourseSession.course),
        selectinload(CourseSession.venue),
        selectinload(CourseSession.dates),
    )
    if show == "past":
        query = query.where(CourseSession.ends_at <= now).order_by(CourseSession.starts_at.desc())
    else:
        show = "upcoming"
        query = query.where(CourseSession.ends_at > now).order_by(CourseSession.starts_at)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("catalogue_admin/sessions.html", page=page, show=show)


def _session_form(form_class=SessionForm):
    form = form_class()
    if isinstance(form, SessionForm):
        form.set_options(
            courses=db.session.scalars(
                sa.select(Course)
                .where(Course.status != CourseStatus.ARCHIVED, Course.delivery_mode != "elearning")
                .order_by(Course.title)
            ),
            venues=db.session.scalars(
                sa.select(Venue).where(Venue.is_active.is_(True)).order_by(Venue.name)
            ),
            trainers=db.session.scalars(
                sa.select(User)
                .join(UserRole)
                .where(UserRole.role == Role.TRAINER, User.is_active.is_(True))
                .order_by(User.name)
            ),
        )
    return form


def _submit_plan(form, action):
    """Validate the form and run the scheduling action. Returns the saved session (or None) and
    whether a trainer clash needs the administrator's confirmation."""
    if not form.validate_on_submit():
        return None, False
    done = commit_or_show(form, lambda: action(allow_trainer_clash=form.confirm_clash.data))
    return done.value, isinstance(done.error, sessions.TrainerClash)


@bp.route("/sessions/new", methods=["GET", "POST"])
def new_session():
    form = _session_form()
    if request.method == "GET":
        form.course_id.data = request.args.get("course_id", type=int)
    saved, clash = _submit_plan(
        form,
        lambda allow_trainer_clash: sessions.schedule_session(
            form.plan(), by=current_user, now=utcnow(), allow_trainer_clash=allow_trainer_clash
        ),
    )
    if saved is not None:
        flash(f"The session of {saved.course.title} has been scheduled.", "success")
        return redirect(url_for("catalogue_admin.edit_session", session_id=saved.id))
    return render_template(
        "catalogue_admin/session_form.html", form=form, session=None, clash=clash
    )


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
def edit_session(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    refusal = sessions.why_unchangeable(course_session)
    if refusal and request.method == "POST":
        flash(refusal, "error")
        return redirect(url_for("catalogue_admin.edit_session", session_id=session_id), 303)
    form = _session_form()
    if request.method == "GET":
        form.fill(course_session)
    saved, clash = _submit_plan(
        form,
        lambda allow_trainer_clash: sessions.update_session(
            course_session,
            form.plan(),
            by=current_user,
            now=utcnow(),
            allow_trainer_clash=allow_trainer_clash,
        ),
    )
    if saved is not None:
        flash("The session has been saved.", "success")
        return redirect(url_for("catalogue_admin.edit_session", session_id=session_id))
    return render_template(
        "catalogue_admin/session_form.html",
        form=form,
        session=course_session,
        clash=clash,
        editable=refusal is None,
        heading="Edit session" if refusal is None else f"{course_session.status.label} session",
        events=events_for(course_session),
    )


@bp.route("/sessions/<int:session_id>/copy", methods=["GET", "POST"])
def copy_session(session_id):
    original = db.get_or_404(CourseSession, session_id)
    form = _session_form(CopySessionForm)
    saved, clash = _submit_plan(
        form,
        lambda allow_trainer_clash: sessions.copy_session(
            original,
            form.date_pairs(),
            by=current_user,
            now=utcnow(),
            allow_trainer_clash=allow_trainer_clash,
        ),
    )
    if saved is not None:
        flash("The copy has been scheduled.", "success")
        return redirect(url_for("catalogue_admin.edit_session", session_id=saved.id))
    return render_template(
        "catalogue_admin/copy_session.html", form=form, session=original, clash=clash
    )


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
def cancel_session(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: sessions.cancel_session(
                course_session, reason=form.reason.data, by=current_user, now=utcnow()
            ),
        )
        if done.ok:
            flash("The session has been cancelled.", "success")
            return redirect(url_for("catalogue_admin.edit_session", session_id=session_id))
    return render_template("catalogue_admin/cancel_session.html", form=form, session=course_session)
