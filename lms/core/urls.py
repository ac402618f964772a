"""Absolute links for messages, from a request or, in background jobs, from BASE_URL."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config.get("BASE_URL") or "http://localhost"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def site_domain() -> str:
    """The host name that calendar UIDs end in."""
    base = current_app.config.get("BASE_URL") or ""
    return urlsplit(base).hostname or current_app.config.get("SERVER_NAME") or "lms.invalid"
