"""The public verify page: a certificate checked by its code, typed into a form or opened from
the QR code printed on the certificate.

Anyone may check a certificate without signing in, so the page says only what the certificate
states (name, course, dates) and its status. An unknown code and a malformed one get the same
page and status; lookups are rate limited per address (config VERIFY_RATE_LIMIT) to slow
guessing; and no answer may be kept by a browser or proxy, so a revocation shows at once."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired

from lms.certificates import codes, verification
from lms.certificates.models import CheckMethod
from lms.core.forms import AppForm
from lms.core.models import utcnow
from lms.core.timefmt import local, long_date
from lms.extensions import db, limiter

bp = Blueprint("verify", __name__)

RATE_LIMIT = "30 per minute"
EXAMPLE = "ABCD-EFGH-JKMN-PQRS"


def _rate_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", RATE_LIMIT)


class VerifyForm(AppForm):
    """The code as typed; sent by GET, so a check can be bookmarked and needs no session."""

    class Meta:
        csrf = False

    code = StringField(
        "Certificate code",
        description=f"The 16-character code printed on the certificate, for example {EXAMPLE}",
        validators=[DataRequired("Enter the code printed on the certificate")],
        widget=GovTextInput(),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    submit = SubmitField("Check certificate", widget=GovSubmitInput())


@bp.get("/verify")
def form():
    if "code" not in request.args:
        return render_template("certificates/verify_form.html", form=VerifyForm(formdata=None))
    form = VerifyForm(formdata=request.args)
    if not form.validate():
        return render_template("certificates/verify_form.html", form=form)
    code = codes.normalise(form.code.data)
    if code is None:
        return _not_found()
    return redirect(url_for("verify.code", certificate_code=code))


@bp.get("/verify/<certificate_code>")
@limiter.limit(_rate_limit)
def code(certificate_code):
    certificate = verification.find(certificate_code)
    if certificate is None:
        return _not_found()
    now = utcnow()
    verdict = verification.verdict(certificate, today=local(now).date())
    if request.method == "GET":
        verification.record_check(certificate, method=CheckMethod.CODE, now=now)
        db.session.commit()
    return render_template("certificates/verify_result.html", verdict=verdict, long_date=long_date)


def _not_found():
    return render_template("certificates/verify_not_found.html", example=EXAMPLE), 404


@bp.errorhandler(400)
def refused(_error):
    """A code holding a NUL byte is refused by the site's guard before the view: it is a
    malformed code like any other, so it gets the same page."""
    typed = (request.view_args or {}).get("certificate_code") or request.args.get("code", "")
    if "\x00" in typed:
        return _not_found()
    return render_template(
        "errors.html",
        title="There is a problem with your request",
        message="Check what you entered and try again.",
        status=400,
    ), 400


@bp.errorhandler(429)
def too_many(_error):
    return render_template("certificates/verify_too_many.html"), 429


@bp.after_request
def never_kept(response):
    """No browser or proxy keeps an answer (a revocation shows at once), and search engines do
    not list the names on it."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
