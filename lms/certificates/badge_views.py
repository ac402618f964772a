"""Open Badges 3.0: the issuer profile, its public keys, the revocation status list, each
course's achievement, a person's credentials to download, and the page that checks a pasted
credential.

The documents under /ob/ are public and stable: any verifier, a browser-based one included
(hence Access-Control-Allow-Origin: *), fetches them. A signed credential (a VC-JWT) is served
as text/plain: Open Badges 3.0 says a VC-JWT web resource SHOULD be (its "Web Resource" rule);
the .jwt file extension is its recommended one.
"""

import json
import re

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField

from lms.catalogue.models import Course, CourseStatus
from lms.certificates import credential_checks, credentials, issuing, keys, permissions
from lms.certificates.models import Certificate
from lms.core.forms import AppForm, show_error
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db, limiter

bp = Blueprint("badges", __name__)

JSON_LD = "application/ld+json"
JWT = "text/plain"
# How long a verifier may keep a public document (seconds): short, so a revocation or a
# withdrawn key is seen soon.
PUBLIC_MAX_AGE = 300


def _rate_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _public(body: str, media_type: str, *, max_age: int = PUBLIC_MAX_AGE) -> Response:
    response = Response(body, mimetype=media_type)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _json(document) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def _published_jwk(row) -> dict:
    """The public key as published: its kid is the address it is served at, as a credential's
    header names it."""
    return {**row.public_jwk, "kid": credentials.key_url(row.kid)}


def _no_key_page():
    return render_template(
        "errors.html",
        title="Credentials cannot be signed yet",
        message=(
            "This service has no signing key yet, so no credential can be issued. An "
            "administrator runs `flask --app wsgi keys generate` on the server, then this works."
        ),
        status=503,
    ), 503


# The public documents ----------------------------------------------------------------------


@bp.get("/ob/issuer")
def issuer():
    return _public(_json(credentials.issuer_profile()), JSON_LD)


@bp.get("/ob/jwks.json")
def jwks():
    document = {"keys": [_published_jwk(row) for row in keys.published_keys()]}
    return _public(_json(document), "application/jwk-set+json")


@bp.get("/ob/keys/<kid>")
def key(kid):
    row = keys.by_kid(kid)
    if row is None or row.withdrawn_at is not None:
        abort(404)
    return _public(_json(_published_jwk(row)), "application/jwk+json")


@bp.get("/ob/achievements/<int:course_id>")
def achievement(course_id):
    course = db.get_or_404(Course, course_id)
    if course.status is CourseStatus.DRAFT:
        abort(404)
    return _public(_json(credentials.achievement_document(course)), JSON_LD)


@bp.get("/ob/status/<int:list_id>")
def status_list(list_id):
    if list_id < 1 or list_id > credentials.last_list_id():
        abort(404)
    try:
        token = credentials.signed_status_list(list_id, now=utcnow())
    except credentials.NoSigningKey:
        return _no_key_page()
    return _public(token, JWT)


# Downloads ---------------------------------------------------------------------------------


def _attachment(body: str, media_type: str, file_name: str) -> Response:
    response = Response(body, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/certificates/<int:certificate_id>/credential.jwt")
@login_required
def credential(certificate_id):
    certificate = db.get_or_404(Certificate, certificate_id)
    require(permissions.can_see_certificate(current_user, certificate))
    if not certificate.is_live:
        what = "revoked" if certificate.revoked_at is not None else "replaced by a newer one"
        return render_template(
            "errors.html",
            title="This certificate no longer stands",
            message=f"It was {what}, so it has no credential to download.",
            status=410,
        ), 410
    try:
        token = credentials.signed_credential(certificate)
    except credentials.NoSigningKey:
        return _no_key_page()
    name = re.sub(r"[^A-Za-z0-9-]+", "-", f"{certificate.course_code}-{certificate.code}")
    return _attachment(token, JWT, f"{name.strip('-')}.jwt")


@bp.get("/my-training/credentials.json")
@login_required
def my_credentials():
    """Every live certificate of the signed-in person, as signed credentials (a JSON list);
    an empty list when there are none yet."""
    certificates = issuing.certificates_of(current_user.id)
    tokens = []
    if certificates:
        signer = keys.current()
        if signer is None:
            return _no_key_page()
        tokens = [credentials.signed_credential(each, signer) for each in certificates]
    return _attachment(_json(tokens), "application/json", "training-credentials.json")


# Checking a pasted credential --------------------------------------------------------------


class CredentialForm(AppForm):
    credential = TextAreaField(
        "Credential",
        description=(
            "Paste the whole text of a .jwt credential file from this service, or of a "
            "credentials file (every entry is checked)."
        ),
        widget=GovTextArea(),
    )
    submit = SubmitField("Check the credential", widget=GovSubmitInput())


@bp.route("/verify/credential", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def verify_credential():
    form = CredentialForm()
    results = None
    if form.validate_on_submit():
        try:
            results = credential_checks.check_text(form.credential.data, now=utcnow())
            db.session.commit()
            if all(result.trusted for result in results):
                form.credential.data = ""  # the form below is for the next credential
        except credential_checks.CheckRefused as error:
            db.session.rollback()
            show_error(form, error)
    return render_template("certificates/verify_credential.html", form=form, results=results)
