"""Permission checks, security headers and session lifetime."""

import secrets
from functools import wraps

from flask import abort, current_app, flash, g, make_response, request, session
from flask_login import current_user, logout_user

from lms.core.models import utcnow


def require(allowed: bool) -> None:
    """Abort with 403 unless the permission predicate allowed the action."""
    if not allowed:
        abort(403)


def no_store(view):
    """A page no browser or proxy may keep a copy of (a password reset link in its address, an
    email address typed in), even for a visitor who is not signed in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def set_security_headers(response):
    """A strict CSP with a per-request nonce, and the other headers ASVS asks for."""
    headers = response.headers
    headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{csp_nonce()}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config["LMS_ENV"] != "development":
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


def start_session(remember: bool) -> None:
    """Record when a signed-in session began, for the idle and absolute timeouts."""
    now = utcnow().timestamp()
    session["signed_in_at"] = now
    session["seen_at"] = now
    session["remember"] = remember


def enforce_session_timeouts() -> None:
    """Sign out a session idle too long, or older than the absolute limit (remembered sign-ins
    last as long as the remember-me cookie)."""
    if not current_user.is_authenticated or request.endpoint == "static":
        return
    config = current_app.config
    now = utcnow().timestamp()
    signed_in_at = session.get("signed_in_at")
    seen_at = session.get("seen_at")
    if signed_in_at is None or seen_at is None:
        # Restored from a remember-me cookie: a new session starts here.
        start_session(remember=True)
        return
    if session.get("remember"):
        absolute = config["REMEMBER_COOKIE_DURATION"].total_seconds()
        idle = absolute
    else:
        absolute = config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
        idle = config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if now - seen_at > idle or now - signed_in_at > absolute:
        logout_user()
        session.clear()
        flash("You were signed out because your session expired. Sign in again.", "info")
        return
    session["seen_at"] = now
