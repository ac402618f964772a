"""Registration, sign-in and out, password reset and the person's own account page."""

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import auth, moves, permissions, services, tokens
from lms.accounts.forms import (
    AccountForm,
    ApiTokenForm,
    ChangePasswordForm,
    RegistrationForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
)
from lms.accounts.models import PersonalToken, TokenKind
from lms.accounts.passwords import verify_password
from lms.core.errors import DomainError
from lms.core.forms import commit_and_flash, commit_or_show, show_error
from lms.core.models import utcnow
from lms.core.security import no_store, require, start_session
from lms.core.urls import same_site_path
from lms.extensions import db, limiter
from lms.mail.services import messages_for
from lms.reports.periods import current_financial_year

bp = Blueprint("accounts", __name__)
log = logging.getLogger("lms.security")


def _details(form) -> services.PersonDetails:
    return services.PersonDetails(
        name=form.name.data,
        email=form.email.data if "email" in form else "",
        job_title=form.job_title.data,
        agency_id=form.agency_id.data,
        line_manager_email=form.line_manager_email.data,
    )


def _sign_in(user, *, remember: bool) -> None:
    """A fresh session at every sign-in, so a session id planted before it is worthless."""
    session.clear()
    login_user(user, remember=remember)
    start_session(remember)


def _reset_link(token: str) -> str:
    return url_for("accounts.reset_password", token=token, _external=True)


def _confirmation_link(token: str) -> str:
    return url_for("accounts.confirm_email", token=token, _external=True)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRATION_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("pages.index"))
    form = RegistrationForm()
    form.set_agencies(services.active_agencies())
    suggested = []
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.email.data:
        suggested = services.suggest_agencies(form.email.data)
        if len(suggested) == 1 and not form.agency_id.data and request.method == "GET":
            form.agency_id.data = suggested[0].id
    if request.method == "POST" and request.form.get("action") == "suggest":
        form.agency_id.data = suggested[0].id if len(suggested) == 1 else form.agency_id.data
        return render_template("accounts/register.html", form=form, suggested=suggested)
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: auth.register(
                _details(form),
                password=form.password.data,
                now=utcnow(),
                link_for_confirmation=_confirmation_link,
            ),
        )
        if done.ok:
            if done.value is not None:
                log.info("registered: user %s", done.value.id)
            return render_template("accounts/confirm_sent.html", email=form.email.data.strip())
    return render_template("accounts/register.html", form=form, suggested=suggested)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("pages.index"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = auth.authenticate(
                form.email.data,
                form.password.data,
                now=utcnow(),
                max_failures=config["SIGN_IN_MAX_FAILURES"],
                window=config["SIGN_IN_FAILURE_WINDOW"],
                source=request.remote_addr,
            )
        except auth.TooManyAttempts as error:
            form.form_errors.append(error.message)
            return render_template("accounts/sign_in.html", form=form), 429
        db.session.commit()
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        show_error(form, DomainError("Enter a correct email address and password", field="email"))
        status = 200
    return render_template("accounts/sign_in.html", form=form), status


def _safe_next(target: str | None) -> str:
    """Follow ?next= only to a path on this site."""
    return same_site_path(target, url_for("pages.index"))


@bp.post("/sign-out")
@login_required
def sign_out():
    current_user.end_sessions()
    db.session.commit()
    log.info("signed out: user %s", current_user.id)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("pages.index"))


@bp.route("/password/forgotten", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
@no_store
def forgotten_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        auth.request_password_reset(form.email.data, now=utcnow())
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgotten_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@no_store
def reset_password(token):
    form = ResetPasswordForm()
    try:
        auth.find_reset_token(token, now=utcnow())
    except auth.InvalidResetLink as error:
        return render_template("accounts/reset_invalid.html", message=error.message), 410
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: auth.reset_password(token, form.password.data, now=utcnow())
        )
        if done.ok:
            log.info("password reset: user %s", done.value.id)
            logout_user()
            session.clear()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    form = AccountForm(obj=user) if request.method == "GET" else AccountForm()
    _offer_agencies(form, user)
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: moves.update_own_details(user, _details(form), now=utcnow())
        )
        if done.ok:
            if done.value is not None:
                flash(
                    f"Your details have been saved. You have asked to join "
                    f"{done.value.to_agency.name}: its coordinator or the partnership's "
                    "training team will decide, and we will email you. Until then you stay "
                    f"at {user.agency.name}.",
                    "success",
                )
            else:
                flash("Your details have been saved.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(user, form, ApiTokenForm(formdata=None))


def _offer_agencies(form, user) -> None:
    form.set_agencies(services.active_agencies() + ([] if user.agency.is_active else [user.agency]))


def _account_page(user, form, token_form):
    api_tokens = None
    if permissions.can_view_statistics(user):
        api_tokens = tokens.active_tokens(user, TokenKind.API)
    return render_template(
        "accounts/account.html",
        form=form,
        token_form=token_form,
        api_tokens=api_tokens,
        user=user,
        messages=messages_for(user)[:20],
        move_request=moves.pending_request(user),
        resend_form=ResendConfirmationForm(formdata=None),
    )


@bp.post("/account/api-tokens")
@login_required
def new_api_token():
    """Create an API token and show its secret on this page only: it is stored hashed."""
    user = current_user._get_current_object()
    require(permissions.can_view_statistics(user))
    token_form = ApiTokenForm()
    if token_form.validate_on_submit():
        done = commit_or_show(
            token_form,
            lambda: tokens.issue_api_token(user, token_form.label.data, now=utcnow()),
        )
        if done.ok:
            period = current_financial_year(utcnow()).code
            example = url_for("reports_api.report", name="programme", period=period, _external=True)
            return render_template(
                "accounts/api_token.html",
                label=" ".join(token_form.label.data.split()),
                secret=done.value,
                example=example,
            )
    form = AccountForm(formdata=None, obj=user)
    _offer_agencies(form, user)
    return _account_page(user, form, token_form)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id):
    user = current_user._get_current_object()
    require(permissions.can_view_statistics(user))
    token = db.get_or_404(PersonalToken, token_id)
    if token.user_id != user.id or token.kind != TokenKind.API:
        abort(404)
    commit_and_flash(
        lambda: tokens.revoke_api_token(token, by=user, now=utcnow()),
        f"The token ‘{token.label}’ has been revoked: anything using it can no longer get reports.",
    )
    return redirect(url_for("accounts.account", _anchor="api-access"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            show_error(
                form, DomainError("Your current password is not correct", field="current_password")
            )
        else:
            done = commit_or_show(
                form, lambda: services.change_password(user, form.password.data, now=utcnow())
            )
            if done.ok:
                _sign_in(user, remember=False)
                flash(
                    "Your password has been changed. You have been signed out everywhere else.",
                    "success",
                )
                return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


from lms.accounts import email_views  # noqa: E402, F401  (routes on this blueprint)
