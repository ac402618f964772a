"""A certificate as a PDF, and the logo printed on certificates (admin)."""

import re
from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from lms.accounts import permissions as accounts
from lms.certificates import logos, permissions
from lms.certificates.models import Certificate
from lms.core import inputs
from lms.core.forms import AppForm, show_error
from lms.core.models import utcnow
from lms.core.security import require
from lms.core.timefmt import day_span
from lms.extensions import db

bp = Blueprint("certificates", __name__)


@bp.app_template_filter("certificate_days")
def certificate_days(certificate: Certificate) -> str:
    return day_span(certificate.first_day, certificate.last_day)


inputs.allow_upload(
    bp,
    "certificates.logo",
    logos.MAX_BYTES + logos.REQUEST_ALLOWANCE,
    (
        "The logo must be 1 MB or smaller. Go back, choose a smaller file and send the form "
        "again. Nothing was changed."
    ),
)


# The certificate ---------------------------------------------------------------------------


def _file_name(certificate: Certificate) -> str:
    course = re.sub(r"[^A-Za-z0-9-]+", "-", certificate.course_code).strip("-") or "course"
    return f"certificate-{course}-{certificate.code}.pdf"


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def download(certificate_id):
    certificate = db.get_or_404(Certificate, certificate_id)
    require(permissions.can_see_certificate(current_user, certificate))
    if not certificate.is_live:
        newer = certificate.replaced_by
        return render_template(
            "certificates/unavailable.html",
            certificate=certificate,
            newer=newer if newer and permissions.can_see_certificate(current_user, newer) else None,
        ), 410
    from lms.certificates import pdf  # reportlab, imported at the first download

    response = send_file(
        BytesIO(pdf.certificate_pdf(certificate)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=_file_name(certificate),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# The logo ----------------------------------------------------------------------------------


class LogoForm(AppForm):
    logo = FileField(
        "Upload a logo",
        description=(
            f"A PNG or JPEG file, 1 MB or smaller, at least {logos.MIN_PIXELS} and at most "
            f"{logos.MAX_PIXELS} pixels wide and high. It is printed in the top left corner of "
            "certificates, up to 6 cm wide and 2 cm high."
        ),
        widget=GovFileInput(),
        render_kw={"accept": ".png,.jpg,.jpeg,image/png,image/jpeg"},
    )
    submit = SubmitField("Upload the logo", widget=GovSubmitInput())


class RemoveLogoForm(AppForm):
    submit = SubmitField("Remove the logo", widget=GovSubmitInput())


def _logo_page(form: LogoForm, status: int = 200):
    current = logos.current()
    return render_template(
        "certificates/logo.html",
        form=form,
        remove_form=RemoveLogoForm(),
        logo=current,
        logo_src=logos.data_url(current) if current is not None else None,
    ), status


@bp.route("/admin/certificate-logo", methods=["GET", "POST"])
@login_required
def logo():
    require(accounts.is_admin(current_user))
    form = LogoForm()
    if form.validate_on_submit():
        upload = request.files.get("logo")
        content = None
        if upload:
            with upload.stream:  # a large file is spooled to a temporary file: closed here
                content = upload.read()
        try:
            checked = logos.check(content, upload.filename if upload else None)
            logos.upload(checked, by=current_user, now=utcnow())
            db.session.commit()
        except logos.LogoError as refused:
            db.session.rollback()
            show_error(form, refused)
        else:
            flash(
                "The logo has been uploaded. Certificates are printed with it from now on.",
                "success",
            )
            return redirect(url_for("certificates.logo"))
    return _logo_page(form)


@bp.post("/admin/certificate-logo/remove")
@login_required
def remove_logo():
    require(accounts.is_admin(current_user))
    if RemoveLogoForm().validate_on_submit() and logos.remove(by=current_user):
        db.session.commit()
        flash("The logo has been removed. Certificates are printed without a logo.", "success")
    return redirect(url_for("certificates.logo"))
