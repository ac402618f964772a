"""A coordinator's (or an admin's) download of an agency's certificates for a period, as one ZIP.

One page for both: a coordinator downloads their own agency's certificates, an admin chooses
the agency on the same page. A small download is sent at once; a larger one is queued for
run-jobs and followed on its own page until the ZIP is ready."""

from datetime import date, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from lms.accounts import permissions
from lms.accounts.models import Agency
from lms.audit import services as audit
from lms.certificates import export_batches, exports
from lms.certificates.bulk_forms import DownloadForm, PeriodForm
from lms.certificates.models import BatchStatus, Certificate, CertificateBatch
from lms.certificates.permissions import can_download_agency
from lms.core.errors import DomainError
from lms.core.forms import show_error
from lms.core.models import utcnow
from lms.core.security import no_store, require
from lms.core.timefmt import local
from lms.extensions import db
from lms.reports.forms import normalised, year_choices

bp = Blueprint("bulk", __name__)


def figure(number: int) -> str:
    return f"{number:,}"


def _days() -> tuple[date | None, date | None]:
    """The first and last days of training any certificate states: the years offered."""
    query = sa.select(sa.func.min(Certificate.last_day), sa.func.max(Certificate.last_day))
    return tuple(db.session.execute(query).one())


def _choices(now: datetime):
    """The period form from the address and the agency and period it chose (None when not
    chosen or refused)."""
    admin = permissions.is_admin(current_user)
    agencies = list(db.session.scalars(sa.select(Agency).order_by(Agency.name))) if admin else None
    args, refused = normalised(request.args, now)
    form = PeriodForm(args)
    form.set_options(years=year_choices(*_days(), local(now).date()), agencies=agencies)
    period = None
    if refused is not None:
        refused.field = "period"
        show_error(form, refused)
    elif form.validate():
        try:
            period = form.chosen_period(now)
        except DomainError as error:
            show_error(form, error)
    agency = None
    if admin and form.agency.data is not None:
        agency = next((item for item in agencies if item.id == form.agency.data), None)
    elif not admin:
        agency = db.session.get(Agency, current_user.agency_id) if current_user.agency_id else None
    return form, agency, period


@bp.get("/agency/certificates")
@login_required
def index():
    admin = permissions.is_admin(current_user)
    require(admin or can_download_agency(current_user, current_user.agency_id))
    now = utcnow()
    form, agency, period = _choices(now)
    total = download = None
    if agency is not None and period is not None:
        total = exports.count(agency.id, period.first, period.last)
        download = DownloadForm(formdata=None, for_agency=str(agency.id), for_period=period.code)
    return render_template(
        "certificates/bulk/index.html",
        form=form,
        agency=agency,
        period=period,
        total=total,
        download=download,
        inline_limit=current_app.config["CERTIFICATES_INLINE_ZIP"],
        batches=export_batches.recent_batches(agency.id) if agency is not None else [],
        admin=admin,
        now=now,
        is_expired=export_batches.is_expired,
        figure=figure,
    )


def _back(agency_id: int | None, code: str | None):
    args = {"period": code} if code else {}
    if agency_id is not None and permissions.is_admin(current_user):
        args["agency"] = agency_id
    return redirect(url_for("bulk.index", **args))


@bp.post("/agency/certificates/download")
@login_required
def download():
    form = DownloadForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        agency_id, period = form.chosen()
    except DomainError as error:
        flash(str(error), "error")
        return _back(None, None)
    require(can_download_agency(current_user, agency_id))
    agency = db.get_or_404(Agency, agency_id)
    now = utcnow()
    total = exports.count(agency.id, period.first, period.last)
    if not total:
        flash(
            f"{agency.name} has no certificates for {period.label}: nothing to download.", "error"
        )
        return _back(agency.id, period.code)
    if total > current_app.config["CERTIFICATES_INLINE_ZIP"]:
        return _queue(agency, period, now)
    try:
        out, written = exports.inline_zip(agency.id, period.first, period.last)
    except DomainError as error:
        flash(str(error), "error")
        return _back(agency.id, period.code)
    audit.record(
        "certificates.downloaded",
        agency,
        actor=current_user,
        after={"period": period.code, "certificates": written},
    )
    db.session.commit()
    response = send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=exports.download_name(agency.name, period.first, period.last),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _queue(agency: Agency, period, now: datetime):
    try:
        batch, new = export_batches.request_batch(
            agency.id, period.first, period.last, by=current_user, now=now
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(agency.id, period.code)
    if new:
        audit.record(
            "certificates.export_requested",
            batch,
            actor=current_user,
            after={"agency_id": agency.id, "period": period.code, "certificates": batch.total},
        )
        flash(
            f"The ZIP of {figure(batch.total)} certificates is being prepared. "
            "This page shows its progress.",
            "success",
        )
    db.session.commit()
    return redirect(url_for("bulk.export", export_id=batch.id))


def _batch(export_id: int) -> CertificateBatch:
    batch = db.get_or_404(CertificateBatch, export_id)
    require(can_download_agency(current_user, batch.agency_id))
    return batch


@bp.get("/agency/certificates/exports/<int:export_id>")
@login_required
@no_store
def export(export_id):
    batch = _batch(export_id)
    now = utcnow()
    return render_template(
        "certificates/bulk/export.html",
        batch=batch,
        expired=export_batches.is_expired(batch, now),
        open=batch.status in export_batches.OPEN,
        figure=figure,
        admin=permissions.is_admin(current_user),
    )


@bp.get("/agency/certificates/exports/<int:export_id>.zip")
@login_required
def export_file(export_id):
    batch = _batch(export_id)
    now = utcnow()
    path = export_batches.file_path(batch)
    if export_batches.is_expired(batch, now) or (
        batch.status is BatchStatus.READY and not (path and path.is_file())
    ):
        return _not_available(batch, 410, "This download has expired")
    if batch.status is not BatchStatus.READY:
        title = (
            "This ZIP could not be built"
            if batch.status is BatchStatus.FAILED
            else "This ZIP is not ready yet"
        )
        return _not_available(batch, 409, title)
    audit.record(
        "certificates.export_downloaded",
        batch,
        actor=current_user,
        after={"agency_id": batch.agency_id, "certificates": batch.total},
    )
    db.session.commit()
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=exports.download_name(batch.agency.name, batch.starts_on, batch.ends_on),
        conditional=False,
        etag=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_available(batch: CertificateBatch, status: int, title: str):
    page = render_template(
        "certificates/bulk/not_available.html",
        batch=batch,
        title=title,
        figure=figure,
        admin=permissions.is_admin(current_user),
    )
    return page, status
