"""Request wiring: sign-in loading, session timeouts, headers, template context, error pages."""

import hmac
import logging

from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload

from lms.accounts import permissions
from lms.accounts.models import User
from lms.core import navigation, timefmt, words
from lms.core.forms import error_list
from lms.core.inputs import digits
from lms.core.security import csp_nonce, enforce_session_timeouts, set_security_headers
from lms.extensions import db, login_manager

log = logging.getLogger("lms.security")


def load_user(user_id: str) -> User | None:
    """Load the signed-in person from the cookie's "id:session token"; a stale token is refused."""
    raw_id, _, token = (user_id or "").partition(":")
    if digits(raw_id) is None or not token:
        return None
    # Every page asks what the person may do: their roles come in the same query.
    user = db.session.get(User, digits(raw_id), options=[joinedload(User.role_grants)])
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def _template_context(app: Flask) -> dict:
    return {
        "partnership_name": app.config["PARTNERSHIP_NAME"],
        "cspNonce": csp_nonce(),
        "navigation": navigation.items_for(current_user, request.endpoint),
        "section_navigation": navigation.section_for(current_user, request.endpoint),
        **permissions.PREDICATES,
    }


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.add_template_global(error_list, "form_error_list")
    app.add_template_filter(timefmt.uk_date, "uk_date")
    app.add_template_filter(words.plural, "plural")
    app.add_template_filter(timefmt.uk_datetime, "uk_datetime")
    app.add_template_filter(timefmt.uk_day, "uk_day")
    app.add_template_filter(timefmt.uk_time, "uk_clock")
    app.before_request(enforce_session_timeouts)
    app.after_request(set_security_headers)

    @app.context_processor
    def template_context():
        # Every GOV.UK form widget renders a template of its own, so a page with a form runs
        # this a dozen times: work it out once per request (and again if the person changes).
        key = (current_user.get_id(), request.endpoint)
        held = g.get("template_context")
        if held is None or held[0] != key:
            held = g.template_context = (key, _template_context(app))
        return held[1]

    def error_page(status: int, title: str, message: str):
        return render_template("errors.html", title=title, message=message, status=status), status

    @app.errorhandler(400)
    def bad_request(_error):
        return error_page(
            400, "There is a problem with your request", "Check what you entered and try again."
        )

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        log.warning(
            "refused: CSRF check failed for %s %s: %s",
            request.method,
            _route(),
            error.description,
        )
        return error_page(
            400,
            "Your form could not be sent",
            "The form was missing its security token or it had expired, so nothing was saved. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(403)
    def forbidden(_error):
        user = current_user.get_id() if current_user.is_authenticated else "anonymous"
        log.warning("refused: 403 for %s on %s %s", user, request.method, _route())
        return error_page(
            403,
            "You do not have permission to see this page",
            "If you think you should, contact the partnership's training team.",
        )

    @app.errorhandler(404)
    def not_found(_error):
        return error_page(
            404,
            "Page not found",
            "If you typed the web address, check it is correct. "
            "If you pasted it, check you copied the entire address.",
        )

    @app.errorhandler(413)
    def too_large(_error):
        return error_page(
            413, "The file is too large", "Choose a smaller file and try again. Nothing was saved."
        )

    @app.errorhandler(429)
    def too_many(_error):
        return error_page(429, "Too many attempts", "Wait a few minutes and try again.")

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return error_page(
            500,
            "Sorry, there is a problem with the service",
            "Try again later. Nothing you entered was saved.",
        )


def _route() -> str:
    """The address pattern asked for (/follow-up/<token>), never the address itself: a link's
    secret (a follow-up, a password reset, a calendar feed) must not reach the logs."""
    return request.url_rule.rule if request.url_rule is not None else "(no route)"
