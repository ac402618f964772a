"""Live completions over xAPI: the admins' pages for providers' credentials (`admin_bp`) and the
Statement API a provider's system posts to (`bp`, at /xapi, exempt from CSRF: it reads no
cookie, only HTTP Basic credentials).

Every answer under /xapi carries `X-Experience-API-Version: 1.0.3`, errors included, and every
error is JSON `{"error": "..."}` with the reason. A request is all or nothing: one statement
refused (400), a body too large (413) or credentials refused (401) store nothing.
"""

import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from lms.accounts import permissions
from lms.catalogue.models import Course, Provider
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import commit_and_flash, commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.elearning import credentials, xapi
from lms.elearning.models import XapiCredential
from lms.elearning.xapi_rules import (
    MAX_BODY_BYTES,
    VERSION,
    VERSION_HEADER,
    BadStatement,
    check_version,
    parse_body,
    read_all,
)
from lms.extensions import db, limiter

PREFIX = "/xapi"
REALM = 'Basic realm="xAPI statements", charset="UTF-8"'
RATE_LIMIT = "600 per minute"

log = logging.getLogger("lms.security")

bp = Blueprint("xapi", __name__, url_prefix=PREFIX)
admin_bp = Blueprint("xapi_credentials", __name__, url_prefix="/admin")


# The Statement API ------------------------------------------------------------------------------


def _rate_limit() -> str:
    return current_app.config.get("XAPI_RATE_LIMIT", RATE_LIMIT)


@bp.get("/about")
def about():
    return _answer({"version": [VERSION]})


@bp.post("/statements")
@limiter.limit(_rate_limit)
def statements():
    credential = _credential()
    check_version(request.headers.get(VERSION_HEADER))
    request.max_content_length = MAX_BODY_BYTES
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise BadStatement(_too_large(), status=413)
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY_BYTES:  # sent in chunks, without a length
        raise BadStatement(_too_large(), status=413)
    now = utcnow()
    checked = read_all(parse_body(body, request.content_type or ""), now=now)
    ids = xapi.receive(credential, checked, now=now)
    db.session.commit()
    return _answer(ids)


def _credential() -> XapiCredential:
    """The live credential the request's HTTP Basic header names, or 401."""
    auth = request.authorization
    if auth is None or auth.type != "basic":
        raise BadStatement(
            "Send the key and secret your partnership gave you with HTTP Basic authentication.",
            status=401,
        )
    credential = credentials.authenticate(auth.username, auth.password)
    if credential is None:
        # The key names the credential (it is not the secret); cut short if it is long junk.
        log.warning("refused: xAPI statements with key %r", (auth.username or "")[:64])
        raise BadStatement(
            "These credentials are not valid: the key or secret is wrong, or the credential "
            "has been revoked.",
            status=401,
        )
    return credential


def _too_large() -> str:
    return f"The body is larger than {MAX_BODY_BYTES // 1024} KB: send fewer statements at once."


def _answer(body, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


@bp.errorhandler(BadStatement)
def refused(error: BadStatement):
    db.session.rollback()
    response = _answer({"error": error.message}, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = REALM
    return response


def _http_error(error: HTTPException):
    """A refusal raised outside these views (routing, the size limit, the rate limiter, the
    site's guard against NUL bytes) is answered in JSON too."""
    db.session.rollback()
    if (error.code or 500) >= 500:
        return _answer({"error": "Sorry, there is a problem with the service."}, 500)
    if error.code == 413:
        return _answer({"error": _too_large()}, 413)
    if isinstance(error, NotFound):
        return _answer({"error": f"There is nothing at {request.path}."}, 404)
    if isinstance(error, MethodNotAllowed):
        response = _answer({"error": f"{request.method} is not allowed here."}, 405)
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
        return response
    return _answer({"error": error.description or error.name}, error.code)


bp.register_error_handler(HTTPException, _http_error)
for _status in (400, 401, 403, 404, 405, 413, 429, 500):
    bp.register_error_handler(_status, _http_error)


def _inside() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


@bp.before_app_request
def json_routing_errors():
    """Unknown addresses and methods under /xapi answer in JSON: routing fails before any
    blueprint is chosen, so the blueprint's own handlers never see them."""
    error = request.routing_exception
    if _inside() and isinstance(error, NotFound | MethodNotAllowed):
        return _http_error(error)
    return None


@bp.after_app_request
def version_header(response: Response) -> Response:
    if _inside():
        response.headers[VERSION_HEADER] = VERSION
        response.headers["Cache-Control"] = "no-store"
    return response


# The admins' pages ------------------------------------------------------------------------------


class CredentialForm(FlaskForm):
    label = StringField(
        "Name",
        description="Who or what will use it, such as the provider's learning record store",
        validators=[
            InputRequired("Enter a name for the credential, such as the system that will use it"),
            Length(max=credentials.LABEL_MAX),
        ],
        widget=GovTextInput(),
    )
    submit = SubmitField("Create credential", widget=GovSubmitInput())


class RevokeForm(FlaskForm):
    submit = SubmitField("Revoke credential", widget=GovSubmitInput())


@admin_bp.before_request
@login_required
def _administrators_only():
    require(permissions.is_admin(current_user))


def _endpoint() -> str:
    return url_for("xapi.statements", _external=True)


@admin_bp.get("/xapi")
def overview():
    return render_template(
        "elearning/xapi_overview.html", rows=credentials.overview(), endpoint=_endpoint()
    )


@admin_bp.route("/providers/<int:provider_id>/xapi", methods=["GET", "POST"])
def provider_credentials(provider_id):
    provider = db.get_or_404(Provider, provider_id)
    form = CredentialForm()
    if form.validate_on_submit():
        admin = current_user._get_current_object()
        done = commit_or_show(
            form, lambda: credentials.create(provider, form.label.data, by=admin, now=utcnow())
        )
        if done.ok:
            credential, secret = done.value
            return render_template(
                "elearning/xapi_secret.html",
                provider=provider,
                credential=credential,
                secret=secret,
                endpoint=_endpoint(),
            )
    modules = db.session.scalars(
        sa.select(Course)
        .where(Course.provider_id == provider.id, Course.module_code.is_not(None))
        .order_by(Course.title)
    ).all()
    return render_template(
        "elearning/xapi_credentials.html",
        provider=provider,
        form=form,
        rows=credentials.for_provider(provider),
        modules=modules,
        endpoint=_endpoint(),
    )


@admin_bp.route(
    "/providers/<int:provider_id>/xapi/<int:credential_id>/revoke", methods=["GET", "POST"]
)
def revoke(provider_id, credential_id):
    credential = db.get_or_404(XapiCredential, credential_id)
    if credential.provider_id != provider_id:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        admin = current_user._get_current_object()
        commit_and_flash(
            lambda: credentials.revoke(credential, by=admin, now=utcnow()),
            f"The credential ‘{credential.label}’ has been revoked: statements sent with it "
            "are refused from now on.",
        )
        return redirect(url_for(".provider_credentials", provider_id=provider_id))
    return render_template("elearning/xapi_revoke.html", credential=credential, form=form)
