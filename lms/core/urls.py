"""Absolute links for messages, from a request or, in background jobs, from BASE_URL."""

from urllib.parse import unquote, urlsplit

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


def same_site_path(target: str | None, fallback: str) -> str:
    """The target when it is a path on this site, otherwise the fallback.

    Only "/path?query#fragment" is followed. Refused, in any encoding: another host ("//host",
    "/\\host", "https://host"), a scheme ("javascript:"), a control character (browsers drop
    tabs and line breaks, so "/<tab>/host" becomes "//host"); and, as typed, any white space or
    backslash.
    """
    if not isinstance(target, str) or not target:
        return fallback
    if "\\" in target or any(character.isspace() for character in target):
        return fallback
    if all(_is_plain_path(form) for form in _decodings(target)):
        return target
    return fallback


def _decodings(value: str, limit: int = 4) -> list[str]:
    """The value and each successive percent-decoding of it, until it stops changing."""
    forms = [value]
    for _ in range(limit):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def _is_plain_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return False
    if not all(character == " " or character.isprintable() for character in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc
