"""Pages for confirming email addresses, changing one's email, asking to add an agency that is not
listed, and deciding requests to join an agency. Routes of the accounts blueprint."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.accounts import agency_requests, emails, moves, permissions
from lms.accounts.forms import AgencyRequestForm, ChangeEmailForm, ResendConfirmationForm
from lms.accounts.models import AgencyMoveRequest
from lms.accounts.views import bp
from lms.core.forms import commit_and_flash, commit_or_show
from lms.core.models import utcnow
from lms.core.security import require
from lms.extensions import db, limiter


def _confirmation_link(token: str) -> str:
    return url_for("accounts.confirm_email", token=token, _external=True)


def _change_link(token: str) -> str:
    return url_for("accounts.confirm_email_change", token=token, _external=True)


@bp.get("/confirm-email/<token>")
def confirm_email(token):
    try:
        emails.confirm_account(token, now=utcnow())
        db.session.commit()
    except emails.InvalidEmailLink as error:
        db.session.rollback()
        return render_template(
            "accounts/email_link_invalid.html", message=error.message, resend=True
        ), 410
    flash("Your email address is confirmed. You can now book training.", "success")
    if current_user.is_authenticated:
        return redirect(url_for("catalogue.index"))
    return redirect(url_for("accounts.sign_in"))


@bp.post("/account/confirmation")
@login_required
@limiter.limit("5 per hour")
def resend_confirmation():
    user = current_user._get_current_object()
    if user.is_email_confirmed:
        flash("Your email address is already confirmed.", "info")
        return redirect(url_for("accounts.account"))
    if ResendConfirmationForm().validate_on_submit():
        emails.send_confirmation(user, now=utcnow(), link_for=_confirmation_link)
        db.session.commit()
        flash(f"We have sent a new link to {user.email}. Earlier links no longer work.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: emails.request_email_change(
                user,
                form.email.data,
                password=form.current_password.data,
                now=utcnow(),
                link_for=_change_link,
            ),
        )
        if done.ok:
            return render_template("accounts/email_change_sent.html", email=done.value)
    return render_template("accounts/change_email.html", form=form, user=user)


@bp.get("/account/email/<token>")
def confirm_email_change(token):
    try:
        user = emails.confirm_email_change(token, now=utcnow())
        db.session.commit()
    except emails.InvalidEmailLink as error:
        db.session.commit()  # a link spent on a clash stays spent
        return render_template(
            "accounts/email_link_invalid.html", message=error.message, resend=False
        ), 410
    flash(f"Your email address is now {user.email}.", "success")
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    return redirect(url_for("accounts.sign_in"))


@bp.route("/register/agency-not-listed", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRATION_RATE_LIMIT"], methods=["POST"])
def agency_not_listed():
    form = AgencyRequestForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: agency_requests.ask(
                agency_name=form.agency_name.data,
                sector=form.sector_value,
                requester_name=form.requester_name.data,
                email=form.email.data,
                details=form.details.data or "",
                now=utcnow(),
            ),
        )
        if done.ok:
            return render_template("accounts/agency_request_sent.html", request=done.value)
    return render_template("accounts/agency_not_listed.html", form=form)


@bp.get("/join-requests")
@login_required
def join_requests():
    require(permissions.is_admin(current_user) or permissions.is_coordinator(current_user))
    return render_template(
        "accounts/join_requests.html", requests=moves.requests_to_decide(current_user)
    )


@bp.post("/join-requests/<int:request_id>/<any(approve, decline):choice>")
@login_required
def decide_join_request(request_id, choice):
    move_request = db.get_or_404(AgencyMoveRequest, request_id)
    if not moves.can_decide(current_user, move_request):
        abort(404)
    approve = choice == "approve"
    person = move_request.user.name
    agency = move_request.to_agency.name
    commit_and_flash(
        lambda: moves.decide(move_request, approve=approve, by=current_user, now=utcnow()),
        f"{person} has joined {agency}." if approve else f"{person}'s request was declined.",
    )
    return redirect(url_for("accounts.join_requests"))


@bp.get("/agency-requests")
@login_required
def agency_requests_page():
    require(permissions.can_manage_agencies(current_user))
    return render_template(
        "accounts/agency_requests.html", requests=agency_requests.open_requests()
    )


@bp.post("/agency-requests/<int:request_id>/dismiss")
@login_required
def dismiss_agency_request(request_id):
    require(permissions.can_manage_agencies(current_user))
    row = agency_requests.get_open_or_404(request_id)
    commit_and_flash(
        lambda: agency_requests.dismiss(row, by=current_user, now=utcnow()),
        f"The request to add {row.agency_name} was dismissed.",
    )
    return redirect(url_for("accounts.agency_requests_page"))
