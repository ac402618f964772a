"""Subject access: a person's copy of everything held about them, for an administrator or for
the person themselves. Each download is audited, naming who asked and whose data it was."""

from io import BytesIO

from flask import Blueprint, render_template, send_file
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.models import User
from lms.audit import services as audit
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db
from lms.privacy import access_files

bp = Blueprint("subject_access", __name__)


def _page(person: User, *, own: bool):
    return render_template(
        "privacy/data.html", person=person, own=own, sections=access_files.SECTIONS
    )


def _download(person: User):
    produced = utcnow()
    content, held = access_files.build_zip(
        {"id": person.id, "name": person.name}, produced=produced
    )
    audit.record(
        "privacy.subject_access_download",
        person,
        actor=current_user,
        after={
            "asked_by": current_user.id,
            "about": person.id,
            "tables": len(held),
            "rows": sum(len(rows) for rows in held.values()),
        },
    )
    db.session.commit()
    response = send_file(
        BytesIO(content),
        mimetype="application/zip",
        as_attachment=True,
        download_name=access_files.download_name(person.id, produced),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/admin/users/<int:user_id>/data")
@login_required
def admin_page(user_id):
    require(permissions.is_admin(current_user))
    return _page(db.get_or_404(User, user_id), own=False)


@bp.post("/admin/users/<int:user_id>/data")
@login_required
def admin_download(user_id):
    require(permissions.is_admin(current_user))
    return _download(db.get_or_404(User, user_id))


@bp.get("/account/data")
@login_required
def own_page():
    return _page(current_user._get_current_object(), own=True)


@bp.post("/account/data")
@login_required
def own_download():
    return _download(current_user._get_current_object())
