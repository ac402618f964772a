"""Renewals as coordinators see them: their agency's staff whose e-learning is due for renewal
or has expired. (A person's own renewals are on "Your training".)"""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SubmitField

from lms.accounts import permissions
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import ListField, choices
from lms.core.models import utcnow
from lms.core.security import require
from lms.elearning import renewals
from lms.elearning.renewals import RenewalStatus
from lms.extensions import db

bp = Blueprint("renewals", __name__, url_prefix="/agency")
PER_PAGE = 50


class RenewalFilterForm(FlaskForm):
    """Which renewals to list, sent by GET so the list can be bookmarked."""

    class Meta:
        csrf = False

    status = ListField(
        "Status",
        default="",
        choices=choices(
            [
                (RenewalStatus.DUE.value, "Due for renewal"),
                (RenewalStatus.EXPIRED.value, "Expired"),
            ],
            blank="Due for renewal or expired",
        ),
        widget=GovSelect(),
    )
    submit = SubmitField("Show", widget=GovSubmitInput())


@bp.get("/renewals")
@login_required
def agency_renewals():
    require(permissions.is_coordinator(current_user))
    form = RenewalFilterForm(request.args)
    valid = form.validate() if request.args else True
    status = RenewalStatus(form.status.data) if valid and form.status.data else None
    today = renewals.today_in_uk(utcnow())
    days = renewals.reminder_days()
    db.session.commit()  # the settings row, if this is the first time it is read
    page = db.paginate(
        renewals.agency_renewals(current_user.agency_id, today=today, days=days, status=status),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "elearning/agency_renewals.html",
        form=form,
        agency=current_user.agency,
        page=page,
        rows=renewals.as_renewals(page.items, today=today, days=days),
        days=days,
        args={"status": status.value} if status else {},
    )
