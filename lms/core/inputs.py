"""Refusing input no database column can hold: ids beyond an integer column and NUL bytes.

PostgreSQL refuses both with an error (integer out of range; text cannot contain NUL), which
would otherwise become a 500 page. A number in an address that no row can have is a 404; a NUL
byte anywhere in a request is a 400.
"""

from flask import Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from lms.core.text import has_nul

# The largest value an INTEGER column (every id in the service) can hold.
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The `int` of every route: a number an integer column can hold, or "Page not found".

    An out-of-range number is refused with NotFound rather than a failed conversion: werkzeug
    would report a failed conversion on a route split by method as 405 Method Not Allowed.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > LARGEST_ID or number < -LARGEST_ID:
            raise NotFound()
        return number


def digits(text: str | None, *, longest: int = 9) -> int | None:
    """The number a form or query value holds when it is ASCII digits only, at most `longest`
    of them (9 always fit an integer column); else None. `str.isdigit()` is not enough:
    "²".isdigit() is true but int("²") fails, and int() refuses more than 4,300 digits."""
    if not text or len(text) > longest or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def bounded_int(value) -> int:
    """int(), refusing (ValueError) a number no integer column can hold."""
    number = int(value)
    if number > LARGEST_ID or number < -LARGEST_ID:
        raise ValueError(f"{value} is out of range")
    return number


class BoundedValues(ImmutableMultiDict):
    """Query and form values where `.get(name, type=int)` treats an out-of-range number as
    missing, as it does a word."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):
        return super().getlist(key, bounded_int if type is int else type)


class AppRequest(Request):
    parameter_storage_class = BoundedValues


NUL_REFUSED = "The request holds a NUL character, which no text can contain: remove it"


def refuse_nul_bytes() -> None:
    """Answer 400 when the address, a query value, a form value or an uploaded file's name
    holds a NUL byte (JSON APIs answer with NUL_REFUSED as the error)."""
    if "\x00" in request.path:
        abort(400, description=NUL_REFUSED)
    for key, value in request.args.items(multi=True):
        if has_nul(key) or has_nul(value):
            abort(400, description=NUL_REFUSED)
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    for key, value in request.form.items(multi=True):
        if has_nul(key) or has_nul(value):
            abort(400, description=NUL_REFUSED)
    for key, upload in request.files.items(multi=True):
        if has_nul(key) or has_nul(upload.filename):
            abort(400, description=NUL_REFUSED)


def allow_upload(bp, endpoint: str, largest: int, too_large: str) -> None:
    """Let one form of a blueprint carry a file of up to `largest` bytes (with the fields around
    it), and answer a larger request with a page that says what to do (`too_large`). The limit
    is set before anything reads the form (the CSRF check does, first), so it runs before every
    other hook of the app."""
    from flask import render_template

    def limit() -> None:
        if request.endpoint == endpoint:
            request.max_content_length = largest

    @bp.record_once
    def register(state) -> None:
        state.app.before_request_funcs.setdefault(None, []).insert(0, limit)

    @bp.errorhandler(413)
    def refused(_error):
        return render_template(
            "errors.html", title="The file is too large", message=too_large, status=413
        ), 413
