"""Pages that belong to no single feature: home, accessibility statement, privacy notice,
and a health check for load balancers."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from lms.accounts import agencies, permissions
from lms.core.security import require

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("pages/index.html", user=current_user)


@bp.get("/healthz")
def healthz():
    """For load balancers and uptime checks: the app is serving. No database, no sign-in."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    from lms.privacy import retention

    return render_template("pages/privacy.html", periods=retention.periods_in_words())


@bp.get("/registrations")
@login_required
def registrations():
    require(permissions.can_view_statistics(current_user))
    rows = agencies.registered_by_agency()
    return render_template(
        "pages/registrations.html",
        rows=rows,
        total=sum(row[2] for row in rows),
        agencies_with_people=sum(1 for row in rows if row[2]),
    )
