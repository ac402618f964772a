"""The booking storm: the morning a popular course opens, through gunicorn in production mode,
on each bench database.

1. 300 signed-in practitioners press "Book" on a new 20-place session within a few seconds
   (WINDOW): each has opened the session page first (for the form's CSRF token, as a browser
   has), then the POSTs of the booking form go out evenly spread over the window, each on its
   own connection, whether or not the earlier ones have been answered (people do not wait for
   each other). A window of 0 sends them all at the same instant.
2. On a new 50-place session, full (50 confirmed, 20 waiting, booked with the booking service),
   50 of the confirmed cancel through the cancellation form while 50 others book, mixed, at
   the same rate as the storm's.

A press is an error unless it answers as the booking succeeded (a redirect to where the view
sends a person after success, carrying a success message and no error message); any other
status, a refused booking or a timeout fails the bench. After each phase the bench reads the
database and fails unless it holds exactly what the rules allow (see `Storm.checks`).
"""

import http.client
import random
import re
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench import pages
from bench import storm_setup as setup
from bench.databases import DATA, SECRET_KEY, Database
from lms import create_app
from lms.bookings.models import BookingStatus
from lms.extensions import db

PEOPLE, PLACES = 300, 20
RACE_PLACES, RACE_WAITING, RACE_CANCELLING, RACE_BOOKING = 50, 20, 50, 50
WINDOW = 5.0  # seconds over which the storm's presses go out
TIMEOUT = 60  # seconds a person waits for an answer
TARGET_P95_MS = 1000
NOTES = [
    f"The {PEOPLE} practitioners are made once (addresses @{setup.DOMAIN}, in 30 agencies) "
    "and kept; every run schedules its own two sessions with the catalogue's service and "
    "takes them off the catalogue afterwards (cancelled, without messages), so runs repeat "
    "and the other parts see the scale data unchanged.",
    "The session is far enough ahead that a freed place goes straight to the first person "
    "waiting (no offer), so after the race 50 places are held by the 20 who were waiting and "
    "the first 30 of the newcomers to reach a free place; the other 20 wait.",
    "The waiting list is ordered by when each request reached the booking service; the "
    "bookings' ids by when each took the session's lock. Under load the two orders differ by "
    "milliseconds; the lines above say how often (a measure, not a check).",
]
PAGES = 20  # session pages opened at once before the storm
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>', re.IGNORECASE)
ACTION = re.compile(r'action="([^"]*)"')


@dataclass
class Press:
    """One person's button: the page they open, the form they send, where success sends them."""

    cookie: str
    page: str
    action: str
    fields: dict
    success: str  # the path success redirects to
    token: str = ""
    status: int = 0
    location: str = ""
    started: float = 0.0
    ms: float = 0.0
    error: str = ""


@dataclass
class Storm:
    database: str
    phase: str
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    window: float = 0.0  # seconds over which the presses went out

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def correct(self) -> bool:
        return not self.errors and all(held for _, held in self.checks)

    @property
    def met(self) -> bool:
        return self.correct and self.p95_ms < TARGET_P95_MS


def run(database: Database, server: pages.Server, *, window: float = WINDOW) -> list[Storm]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        try:
            setup.take_off_catalogue()
            now = setup.now_utc()
            persons = setup.people(PEOPLE, now)
            storm_id = setup.schedule(PLACES, now)
            race_id = setup.schedule(RACE_PLACES, now)
            leaving = persons[:RACE_PLACES]
            queued = persons[RACE_PLACES : RACE_PLACES + RACE_WAITING]
            arriving = persons[RACE_PLACES + RACE_WAITING :][:RACE_BOOKING]
            booked = setup.book(race_id, leaving + queued, now)
            cookies = setup.cookies(app, persons, pages.USER_AGENT)
            db.session.remove()
            with pages._serving(database, server, log(database.name)):
                storm = _storm(app, database, server, storm_id, persons, cookies, window)
                race = _race(
                    app,
                    database,
                    server,
                    race_id,
                    (booked, leaving, queued, arriving),
                    cookies,
                    window * (RACE_CANCELLING + RACE_BOOKING) / PEOPLE,
                )
        finally:
            db.session.remove()
            setup.take_off_catalogue()
            db.session.remove()
            db.engine.dispose()
    return [storm, race]


def log(database: str):
    """The server's log of one database's storm (a 500's traceback is there)."""
    return DATA / f"gunicorn-storm-{database.lower()}.log"


def _storm(app, database, server, session_id, persons, cookies, window) -> Storm:
    result = Storm(database.name, f"{PEOPLE} people book {PLACES} places", window=window)
    path = f"/sessions/{session_id}"
    presses = [Press(cookies[p.id], path, f"{path}/book", {}, path) for p in persons]
    _go(app, server, presses, result, window)
    if result.errors:
        setup.settle(session_id)
    db.session.remove()
    held = setup.held(session_id)
    confirmed = held.by_status.get(BookingStatus.CONFIRMED.value, [])
    waiting = held.waiting()
    result.figures = _figures(held) | {
        "inversions": _inversions(waiting),
        "overtaken": _overtaken(confirmed, waiting),
    }
    result.checks = [
        (f"{PEOPLE} bookings, one per person", _booked_once(held, {p.id for p in persons})),
        (f"exactly {PLACES} confirmed", held.count(BookingStatus.CONFIRMED) == PLACES),
        (
            f"exactly {PEOPLE - PLACES} waiting",
            held.count(BookingStatus.WAITLISTED) == PEOPLE - PLACES,
        ),
        (f"places taken = {PLACES} = places held", held.places_taken == PLACES == held.holding),
        (
            f"waiting positions 1 to {PEOPLE - PLACES}, no gap or repeat",
            held.positions == list(range(1, PEOPLE - PLACES + 1)),
        ),
        (
            "every confirmed booking accepted before every waiting one (booking ids)",
            bool(confirmed and waiting)
            and max(b.id for b in confirmed) < min(b.id for b in waiting),
        ),
    ]
    return result


def _race(app, database, server, session_id, people, cookies, window) -> Storm:
    booked, leaving, queued, arriving = people
    result = Storm(
        database.name,
        f"{RACE_CANCELLING} cancel while {RACE_BOOKING} book, {RACE_PLACES} places, "
        f"{RACE_WAITING} waiting",
        window=window,
    )
    path = f"/sessions/{session_id}"
    presses = [
        Press(
            cookies[person.id],
            f"/bookings/{booking_id}/cancel",
            f"/bookings/{booking_id}/cancel",
            {"reason": "Cannot come after all"},
            "/my-training",
        )
        for person, booking_id in zip(leaving, booked, strict=False)
    ]
    presses += [Press(cookies[p.id], path, f"{path}/book", {}, path) for p in arriving]
    random.Random(session_id).shuffle(presses)
    _go(app, server, presses, result, window)
    if result.errors:
        setup.settle(session_id)
    db.session.remove()
    held = setup.held(session_id)
    status = {b.user_id: b.status for bs in held.by_status.values() for b in bs}
    new = [status.get(p.id) for p in arriving]
    result.figures = _figures(held) | {"inversions": _inversions(held.waiting())}
    free_after = RACE_CANCELLING - RACE_WAITING  # places left once the queue has moved up
    result.checks = [
        (
            f"the {RACE_CANCELLING} who cancelled are cancelled",
            all(status.get(p.id) is BookingStatus.CANCELLED for p in leaving),
        ),
        (
            f"the {RACE_WAITING} waiting before were given places first",
            all(status.get(p.id) is BookingStatus.CONFIRMED for p in queued),
        ),
        (
            f"the {RACE_BOOKING} new: {free_after} confirmed, {RACE_BOOKING - free_after} waiting",
            new.count(BookingStatus.CONFIRMED) == free_after
            and new.count(BookingStatus.WAITLISTED) == RACE_BOOKING - free_after,
        ),
        (
            f"exactly {RACE_PLACES} confirmed, none over",
            held.count(BookingStatus.CONFIRMED) == RACE_PLACES,
        ),
        (
            "places taken = confirmed = places held, no offer open (promoted, not offered)",
            held.places_taken == RACE_PLACES == held.holding and held.open_offers == 0,
        ),
        (
            f"waiting positions 1 to {RACE_BOOKING - free_after}, no gap or repeat",
            held.positions == list(range(1, RACE_BOOKING - free_after + 1)),
        ),
        ("no person holds two live bookings", held.people_booked_twice == 0),
    ]
    return result


def _go(app, server: pages.Server, presses: list[Press], result: Storm, window: float) -> None:
    """Open every page first (PAGES at a time), then send the forms spread evenly over the
    window, each on its own thread; time each POST."""
    with ThreadPoolExecutor(PAGES) as pool:
        list(pool.map(lambda press: _open(server, press), presses))
    ready = [press for press in presses if not press.error]
    step = window / len(ready) if ready else 0.0
    started = time.perf_counter()

    def send(numbered):
        number, press = numbered
        time.sleep(max(0.0, started + number * step - time.perf_counter()))
        _send(server, press)

    with ThreadPoolExecutor(max(1, len(ready))) as pool:
        list(pool.map(send, enumerate(ready)))
    ended = max((press.started + press.ms / 1000 for press in ready), default=started)
    for press in ready:
        if not press.error:
            press.error = _judge(app, press)
    result.errors = [f"{p.action}: {p.error}" for p in presses if p.error]
    timings = sorted(press.ms for press in ready)
    result.requests, result.seconds = len(timings), ended - started
    if timings:
        result.p50_ms, result.p95_ms = _percentile(timings, 50), _percentile(timings, 95)
        result.p99_ms, result.max_ms = _percentile(timings, 99), timings[-1]
    print(
        f"  {result.database:<10} {result.phase}: {result.requests} POSTs sent over "
        f"{window:.1f} s, all answered in {result.seconds:.2f} s ({result.rps:.0f}/s)  "
        f"p50 {result.p50_ms:.0f} ms  "
        f"p95 {result.p95_ms:.0f} ms  p99 {result.p99_ms:.0f} ms  errors {len(result.errors)}",
        flush=True,
    )


def _open(server: pages.Server, press: Press) -> None:
    try:
        status, set_cookie, page = _request(server, "GET", press.page, press.cookie)
    except OSError as error:
        press.error = f"opening {press.page}: {error!r}"
        return
    token = CSRF.search(page)
    if status != 200 or token is None or press.action not in _form_actions(page, press.page):
        press.error = f"{press.page} answered {status} without the form"
        return
    press.cookie = _cookie(set_cookie) or press.cookie
    press.token = token.group(1)


def _form_actions(page: str, path: str) -> set[str]:
    """Where the page's forms post (a form without an action posts to the page itself)."""
    actions = set()
    for form in FORM.findall(page):
        action = ACTION.search(form)
        actions.add(action.group(1) if action and action.group(1) else path)
    return actions


def _send(server: pages.Server, press: Press) -> None:
    body = urllib.parse.urlencode(press.fields | {"csrf_token": press.token})
    press.started = time.perf_counter()
    try:
        press.status, set_cookie, _, press.location = _request(
            server, "POST", press.action, press.cookie, body=body, referer=press.page, full=True
        )
    except OSError as error:
        press.error = f"{error!r}"
        set_cookie = ""
    press.ms = (time.perf_counter() - press.started) * 1000
    press.cookie = _cookie(set_cookie) or press.cookie


def _judge(app, press: Press) -> str:
    """What a browser would show after the redirect: an error unless the action succeeded."""
    if press.status != 302 or urllib.parse.urlsplit(press.location).path != press.success:
        return f"answered {press.status} (to {press.location or 'nowhere'})"
    messages = setup.flashes(app, press.cookie)
    refused = [message for category, message in messages if category != "success"]
    if refused or not messages:
        return f"refused: {refused or 'no message'}"
    return ""


def _request(server, method, path, cookie, *, body=None, referer=None, full=False):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    headers = {"User-Agent": pages.USER_AGENT, "Cookie": cookie}
    if body is not None:
        origin = f"http://127.0.0.1:{server.port}"
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + referer,
        }
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read().decode()
        set_cookie = response.getheader("Set-Cookie") or ""
        if full:
            return response.status, set_cookie, answer, response.getheader("Location") or ""
        return response.status, set_cookie, answer
    finally:
        connection.close()


def _cookie(set_cookie: str) -> str:
    match = re.search(r"(?:^|,\s*)(session=[^;]+)", set_cookie)
    return match.group(1) if match else ""


def _booked_once(held: setup.Held, people: set[int]) -> bool:
    every = [b.user_id for bookings in held.by_status.values() for b in bookings]
    return sorted(every) == sorted(people)


def _figures(held: setup.Held) -> dict:
    return {
        "capacity": held.capacity,
        "places_taken": held.places_taken,
        "open_offers": held.open_offers,
        **{status: len(bookings) for status, bookings in sorted(held.by_status.items())},
    }


def _inversions(waiting) -> int:
    """People waiting behind someone whose booking the database accepted after theirs: the
    list is ordered by when the request reached the booking service, the ids by when it got the
    session's lock (a few milliseconds apart under load)."""
    ids = [b.id for b in waiting]
    return sum(1 for before, after in zip(ids, ids[1:], strict=False) if after < before)


def _overtaken(confirmed, waiting) -> int:
    """People waiting whose request reached the booking service before that of someone who got
    a place (they lost the race for the session's lock by milliseconds)."""
    last = max((b.created_at for b in confirmed), default=None)
    return sum(1 for b in waiting if last is not None and b.created_at < last)


def _percentile(sorted_values: list[float], percent: float) -> float:
    index = max(0, min(len(sorted_values) - 1, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]
