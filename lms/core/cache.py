"""Exact caching of the public catalogue: pages, API answers and calendars rendered once per
version of the catalogue and served from memory until the version or the time changes.

What a public page shows depends on two things only: the rows of `versions.WATCHED`, whose
version number every request reads (one primary-key lookup), and the time, through sessions
starting, booking windows opening and closing, and the calendar day. The time is cut into
epochs at every such moment (`Epoch`): a copy is used only while the version it was made at is
still current and its epoch has not ended, so a visitor never sees a place count or a "Book"
button that is no longer true. Each worker keeps its own copies; several workers and several
servers stay exact because each checks the shared version before using one.

Responses carry a weak ETag (the version and the epoch) and a Last-Modified (the later of the
version's change and the epoch's start), with `Cache-Control: no-cache` so browsers and proxies
keep a copy but ask first: a revalidation costs the version read and answers 304.

Only anonymous GET and HEAD requests are served from the cache: a signed-in page shows the
person's own bookings. `fragment` caches pieces of signed-in pages (the filter panels) the same
way, keyed by what they depend on.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache, wraps
from pathlib import Path

import sqlalchemy as sa
from flask import Response, current_app, request, session
from flask_login import current_user
from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from lms.core import versions
from lms.core.models import utcnow
from lms.core.security import csp_nonce
from lms.core.timefmt import local

NONCE_MARK = "\x00lms-nonce\x00"
MAX_BYTES = 32 * 1024 * 1024  # of cached bodies per worker, oldest dropped first
MAX_FRAGMENTS = 2000


@dataclass(frozen=True)
class Epoch:
    """The stretch of time in which nothing shown changes by the clock alone."""

    version: int
    starts: datetime
    ends: datetime


@dataclass
class Entry:
    version: int
    ends: datetime
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _time_columns():
    from lms.catalogue.models import CourseSession as S

    return (S.starts_at, S.ends_at, S.booking_opens_at, S.booking_closes_at)


def _epoch(version: int, now: datetime) -> Epoch:
    """Find the last moment at or before now, and the first after it, at which any public page
    could change by the clock: a session starting or ending (and leaving the calendar feed
    30 days later), a booking window opening or closing, or midnight in the UK."""
    from lms.catalogue.feeds import FEED_KEEPS_ENDED
    from lms.catalogue.models import CourseSession
    from lms.extensions import db

    columns = _time_columns()
    feed_edge = now - FEED_KEEPS_ENDED
    aggregates = []
    for column in columns:
        aggregates.append(sa.func.max(sa.case((column <= now, column))))
        aggregates.append(sa.func.min(sa.case((column > now, column))))
    aggregates.append(
        sa.func.max(sa.case((CourseSession.ends_at <= feed_edge, CourseSession.ends_at)))
    )
    aggregates.append(
        sa.func.min(sa.case((CourseSession.ends_at > feed_edge, CourseSession.ends_at)))
    )
    row = db.session.execute(sa.select(*aggregates).select_from(CourseSession)).one()
    row = [versions.as_utc(versions.as_datetime(value)) for value in row]
    before = [moment for moment in row[0:8:2] if moment is not None]
    after = [moment for moment in row[1:8:2] if moment is not None]
    if row[8] is not None:
        before.append(row[8] + FEED_KEEPS_ENDED)
    if row[9] is not None:
        after.append(row[9] + FEED_KEEPS_ENDED)
    today = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    midnight = (today + timedelta(days=1, hours=3)).replace(hour=0)  # across a clock change
    before.append(today.astimezone(UTC))
    after.append(midnight.astimezone(UTC))
    return Epoch(version, max(before), min(after))


class PageCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.size = 0
        self.fragments: OrderedDict[tuple, tuple[int, datetime, object]] = OrderedDict()
        self.epoch: Epoch | None = None

    def current_epoch(self, now: datetime) -> Epoch:
        version = versions.current().number
        epoch = self.epoch
        if epoch is None or epoch.version != version or not (epoch.starts <= now < epoch.ends):
            epoch = self.epoch = _epoch(version, now)
        return epoch

    def get(self, key: str, epoch: Epoch) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.version != epoch.version or entry.ends != epoch.ends:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > MAX_BYTES and self.entries:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        self.size -= len(self.entries.pop(key).body)

    def memo(self, key: tuple, compute: Callable[[], object], now: datetime):
        epoch = self.current_epoch(now)
        with self.lock:
            held = self.fragments.get(key)
            if held and held[0] == epoch.version and held[1] == epoch.ends:
                self.fragments.move_to_end(key)
                return held[2]
        value = compute()
        with self.lock:
            self.fragments[key] = (epoch.version, epoch.ends, value)
            while len(self.fragments) > MAX_FRAGMENTS:
                self.fragments.popitem(last=False)
        return value


@lru_cache(maxsize=1)
def salt() -> str:
    """Changes when the code or templates change, so a new release never answers 304 for a
    page an old one rendered (worked out once per process, on the first public request)."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for folder in (root / "lms", root / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".json"}:
                digest.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:10]


def init_app(app) -> None:
    versions.init_app(app)
    app.extensions["lms_page_cache"] = PageCache()


def _cache() -> PageCache:
    return current_app.extensions["lms_page_cache"]


def fragment(key: tuple, render: Callable[[], str], *, now: datetime | None = None) -> Markup:
    """A piece of a page rendered once per version of the catalogue and epoch of the clock.
    The key must name everything else the piece depends on (the query string, the month...)."""
    return memo(("fragment", *key), lambda: Markup(render()), now=now)


def memo(key: tuple, compute: Callable[[], object], *, now: datetime | None = None):
    """What `compute` returns, worked out once per version of the catalogue and epoch of the
    clock, like `fragment`. The value is shared by every request and thread of this worker, so
    it must never be changed once made (a frozen dataclass, Markup, a tuple)."""
    return _cache().memo(key, compute, now or utcnow())


def _servable() -> bool:
    if request.method not in ("GET", "HEAD") or current_app.config.get("PAGE_CACHE") is False:
        return False
    return not current_user.is_authenticated and "_flashes" not in session


def _validators(epoch: Epoch, now: datetime) -> tuple[str, datetime | None]:
    etag = f'W/"{salt()}-{epoch.version}-{int(epoch.ends.timestamp())}"'
    changed = versions.as_utc(versions.current().changed_at)
    modified = max(filter(None, (changed, epoch.starts)))
    return etag, (modified if modified <= now else None)


def _not_modified(etag: str, modified: datetime | None) -> bool:
    sent = request.headers.get("If-None-Match")
    if sent is not None:
        tags = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = parse_date(request.headers.get("If-Modified-Since"))
    return modified is not None and since is not None and modified <= since


def _finish(response: Response, etag: str, modified: datetime | None) -> Response:
    response.headers["ETag"] = etag
    if modified is not None:
        response.headers["Last-Modified"] = http_date(modified)
    response.headers["Cache-Control"] = "public, no-cache"
    response.vary.add("Cookie")
    return response


def public(view):
    """Serve a public view from the exact cache to anonymous visitors (see the module's note)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _servable():
            return view(*args, **kwargs)
        now = utcnow()
        cache = _cache()
        epoch = cache.current_epoch(now)
        etag, modified = _validators(epoch, now)
        if _not_modified(etag, modified):
            return _finish(Response(status=304), etag, modified)
        key = f"{request.host}{request.full_path}"  # calendars and the API hold full addresses
        entry = cache.get(key, epoch)
        if entry is None:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200 or not _storable(response):
                return response
            nonce = csp_nonce()
            body = response.get_data().replace(nonce.encode(), NONCE_MARK.encode())
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
            entry = Entry(epoch.version, epoch.ends, 200, headers, body)
            cache.put(key, entry)
        body = entry.body.replace(NONCE_MARK.encode(), csp_nonce().encode())
        return _finish(Response(body, status=entry.status, headers=entry.headers), etag, modified)

    return wrapped


def _storable(response: Response) -> bool:
    if response.direct_passthrough or response.is_streamed or "Set-Cookie" in response.headers:
        return False
    return not session.modified and not current_user.is_authenticated
