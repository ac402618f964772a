"""Signed-in catalogue pages: the filter panel is shared between requests until the themes or the
day change, and the pages' query counts do not grow with the data."""

from datetime import timedelta

from lms.accounts.models import User
from lms.bookings.models import Booking, BookingStatus
from lms.catalogue.models import CourseSession, Theme
from lms.catalogue.sessions import set_dates
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import counting_statements


def _theme_options(page: str) -> str:
    start = page.index('name="theme"')
    return page[start : page.index("</select>", start)]


def test_a_signed_in_visitor_sees_a_theme_renamed_or_added_at_once(
    app, client, login, make_user, make_theme, make_course, make_course_session
):
    neglect = make_theme("Neglect")
    make_course_session(make_course(theme_ids=[neglect]))
    login(make_user())
    for path in ("/training", "/courses"):
        assert ">Neglect</option>" in _theme_options(client.get(path).get_data(as_text=True))

    with app.app_context():
        db.session.get(Theme, neglect).name = "Neglect and emotional harm"
        db.session.commit()
    make_theme("Online harms")
    for path in ("/training", "/courses"):
        options = _theme_options(client.get(path).get_data(as_text=True))
        assert ">Neglect and emotional harm</option>" in options
        assert ">Online harms</option>" in options
        assert ">Neglect</option>" not in options

    # The same query string twice: the second answer, from the shared panel, still says
    # what was wrong and keeps what was chosen.
    wrong = f"/training?q={'x' * 101}&theme={neglect}"
    for _ in range(2):
        page = client.get(wrong).get_data(as_text=True)
        assert "<title>Error: " in page
        assert "Search must be 100 characters or fewer" in page
        assert f'<option value="{neglect}" selected>' in _theme_options(page)


def test_signed_in_query_counts_stay_the_same_as_the_data_grows(
    app, client, login, make_user, make_theme, make_course, make_course_session
):
    theme = make_theme("Neglect")
    person = make_user()
    login(person)
    trainers = [make_user() for _ in range(3)]
    first = make_course_session(make_course(theme_ids=[theme]), trainer_ids=[trainers[0].id])
    with app.app_context():
        db.session.add(
            Booking(
                user_id=person.id,
                session_id=first,
                agency_id=person.agency_id,
                status=BookingStatus.CONFIRMED,
                confirmed_at=utcnow(),
            )
        )
        db.session.commit()
    paths = ("/training", "/courses", "/training?theme=" + str(theme), f"/sessions/{first}")

    def statements() -> dict[str, int]:
        seen = {}
        for path in paths:
            client.get(path)  # the shared panel is made once; then every visit costs the same
            with counting_statements(app) as run:
                assert client.get(path).status_code == 200
            seen[path] = len(run)
        return seen

    few = statements()
    # The person, the session with its course, venue, dates and waiting list, its trainers, and
    # the person's own booking.
    assert few[f"/sessions/{first}"] == 4

    for _ in range(12):
        make_course_session(make_course(theme_ids=[theme]), trainer_ids=[t.id for t in trainers])
    others = [make_user() for _ in range(4)]
    with app.app_context():
        session = db.session.get(CourseSession, first)
        session.trainers = [db.session.get(User, trainer.id) for trainer in trainers]
        start = session.ends_at + timedelta(days=7)
        days = [(day.starts_at, day.ends_at) for day in session.dates]
        set_dates(session, [*days, (start, start + timedelta(hours=3))])
        for number, other in enumerate(others):
            status = BookingStatus.CONFIRMED if number < 2 else BookingStatus.WAITLISTED
            db.session.add(
                Booking(
                    user_id=other.id,
                    session_id=first,
                    agency_id=other.agency_id,
                    status=status,
                    confirmed_at=utcnow() if number < 2 else None,
                    waitlisted_at=None if number < 2 else utcnow(),
                )
            )
        db.session.commit()
    page = client.get(f"/sessions/{first}").get_data(as_text=True)
    assert "Trainers: " in page and "Dates (attend all of them)" in page
    assert statements() == few
