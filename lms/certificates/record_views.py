"""A person's training record: a page, a PDF and a CSV, for the person, a coordinator of their
agency and admins."""

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user, login_required

from lms.accounts.models import User
from lms.certificates import records
from lms.certificates.permissions import can_see_record
from lms.core.models import utcnow
from lms.core.security import require
from lms.elearning import renewals
from lms.extensions import db

bp = Blueprint("records", __name__)


def _record(user_id: int) -> records.Record:
    person = db.get_or_404(User, user_id)
    require(can_see_record(current_user, person))
    return records.record_of(
        person, today=renewals.today_in_uk(utcnow()), reminder_days=renewals.reminder_days()
    )


def _download(body, *, content_type: str, user_id: int, extension: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="training-record-{user_id}.{extension}"'
    )
    return response


@bp.get("/people/<int:user_id>/training-record")
@login_required
def show(user_id):
    record = _record(user_id)
    return render_template(
        "certificates/training_record.html",
        record=record,
        own=record.person.id == current_user.id,
        hours_text=records.hours_text,
    )


@bp.get("/people/<int:user_id>/training-record.pdf")
@login_required
def pdf(user_id):
    record = _record(user_id)
    from lms.certificates import record_pdf  # reportlab, imported at the first download

    body = record_pdf.render(record, partnership=current_app.config["PARTNERSHIP_NAME"])
    return _download(body, content_type="application/pdf", user_id=user_id, extension="pdf")


@bp.get("/people/<int:user_id>/training-record.csv")
@login_required
def csv(user_id):
    record = _record(user_id)
    body = "\ufeff" + records.to_csv(record, partnership=current_app.config["PARTNERSHIP_NAME"])
    return _download(body, content_type="text/csv; charset=utf-8", user_id=user_id, extension="csv")
