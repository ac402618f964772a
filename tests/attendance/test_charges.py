"""The charges pages: disputes offered only while they are possible, a refusal that keeps what
was typed, totals counted by the database, pages of 50, and a month picker for statements."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from lms.accounts.models import Role, User
from lms.attendance import charges
from lms.attendance.models import ChargeReason, ChargeStatus, NonAttendanceCharge
from lms.bookings.models import Booking, BookingStatus
from lms.core.errors import DomainError
from lms.core.models import utcnow
from lms.core.timefmt import local, long_date
from lms.extensions import db
from tests.conftest import post_form


@pytest.fixture
def add_charges(app, make_course_session):
    """Charges on an agency: one booking each, raised at the given UTC moments."""
    session_id = make_course_session()
    counter = iter(range(1, 100_000))

    def add(agency_id, *raised, status=ChargeStatus.RAISED, pence=5000) -> list[int]:
        ids = []
        with app.app_context():
            for moment in raised:
                number = next(counter)
                person = User(
                    email=f"charged{number}@example.org",
                    name=f"Charged person {number}",
                    job_title="Nurse",
                    agency_id=agency_id,
                    password_hash="unused",
                )
                db.session.add(person)
                db.session.flush()
                booking = Booking(
                    user_id=person.id,
                    session_id=session_id,
                    agency_id=agency_id,
                    status=BookingStatus.CONFIRMED,
                    outcome="no_show",
                )
                db.session.add(booking)
                db.session.flush()
                charge = NonAttendanceCharge(
                    booking_id=booking.id,
                    agency_id=agency_id,
                    reason=ChargeReason.NO_SHOW,
                    amount_pence=pence,
                    status=status,
                    raised_at=moment,
                )
                db.session.add(charge)
                db.session.flush()
                ids.append(charge.id)
            db.session.commit()
        return ids

    return add


@pytest.fixture
def coordinator(make_agency, make_user):
    return make_user(roles=(Role.COORDINATOR,), agency_id=make_agency("Elm Tree Surgery"))


def last_day(raised: datetime) -> str:
    return long_date(local(raised).date() + timedelta(days=14))


# The rule ------------------------------------------------------------------------------------


def test_a_charge_can_be_disputed_until_the_end_of_the_last_uk_day_of_the_window(
    app, coordinator, add_charges
):
    raised = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    (charge_id,) = add_charges(coordinator.agency_id, raised)
    with app.test_request_context():
        charge = db.session.get(NonAttendanceCharge, charge_id)
        window = charges.dispute_window(charge, now=raised)
        assert window.is_open and window.last_day == date(2026, 12, 12)
        late_evening = datetime(2026, 12, 12, 23, 59, tzinfo=UTC)  # London is on GMT
        assert charges.dispute_window(charge, now=late_evening).is_open
        closed = charges.dispute_window(charge, now=datetime(2026, 12, 13, 0, 0, tzinfo=UTC))
        assert closed.refusal == (
            "Charges can be disputed for 14 days after they are raised: this one could be "
            "disputed until 12 December 2026"
        )
        person = db.session.get(User, coordinator.id)
        with pytest.raises(DomainError, match="until 12 December 2026"):
            charges.dispute(charge, by=person, reason="Ill", now=datetime(2026, 12, 13, tzinfo=UTC))
        charges.dispute(charge, by=person, reason="Ill", now=late_evening)
        assert charge.status is ChargeStatus.DISPUTED
        refusal = charges.dispute_window(charge, now=late_evening).refusal
        assert refusal == "This charge is disputed, so it cannot be disputed"


# The coordinator's page -----------------------------------------------------------------------


def test_the_dispute_form_is_offered_only_while_a_dispute_is_possible(
    client, login, coordinator, add_charges
):
    recent, old = utcnow() - timedelta(days=1), utcnow() - timedelta(days=30)
    open_id, closed_id = add_charges(coordinator.agency_id, recent, old)
    login(coordinator)
    page = client.get("/agency/charges").get_data(as_text=True)

    assert f'id="reason-{open_id}"' in page
    assert f"You can dispute this charge until {last_day(recent)}" in page
    assert f'action="/charges/{open_id}/dispute"' in page
    assert f'id="reason-{closed_id}"' not in page
    assert f'action="/charges/{closed_id}/dispute"' not in page
    assert f"The time to dispute this charge ended on {last_day(old)}." in page
    assert page.count(">Dispute<") == 1


def test_an_empty_reason_is_refused_in_the_page_linked_to_its_box(
    app, client, login, coordinator, add_charges
):
    (charge_id,) = add_charges(coordinator.agency_id, utcnow())
    login(coordinator)
    response = post_form(
        client, f"/charges/{charge_id}/dispute", {"reason": "   "}, token_from="/agency/charges"
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "<title>Error: " in page
    assert f'<a href="#reason-{charge_id}">Enter the reason for disputing the charge</a>' in page
    assert f'id="reason-{charge_id}-error"' in page and "govuk-textarea--error" in page
    with app.app_context():
        assert db.session.get(NonAttendanceCharge, charge_id).status is ChargeStatus.RAISED


def test_a_refused_dispute_keeps_the_reason_typed(app, client, login, coordinator, add_charges):
    (charge_id,) = add_charges(coordinator.agency_id, utcnow() - timedelta(days=1))
    login(coordinator)
    page = client.get("/agency/charges").get_data(as_text=True)
    assert f'action="/charges/{charge_id}/dispute"' in page
    with app.app_context():  # meanwhile the window closes
        charge = db.session.get(NonAttendanceCharge, charge_id)
        charge.raised_at = utcnow() - timedelta(days=20)
        db.session.commit()
        expected = last_day(charge.raised_at)
    typed = "She was redeployed to the vaccination clinic that week & told the trainer"

    response = post_form(
        client, f"/charges/{charge_id}/dispute", {"reason": typed}, token_from="/agency/charges"
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    message = f"this one could be disputed until {expected}"
    assert f'<a href="#reason-{charge_id}">Charges can be disputed for 14 days' in page
    assert message in page
    assert f"Your reason, not sent: {typed.replace('&', '&amp;')}" in page
    assert f'action="/charges/{charge_id}/dispute"' not in page
    with app.app_context():
        assert db.session.get(NonAttendanceCharge, charge_id).status is ChargeStatus.RAISED


def test_a_dispute_comes_back_to_the_same_page_of_the_list(
    app, client, login, coordinator, add_charges
):
    now = utcnow()
    ids = add_charges(coordinator.agency_id, *[now - timedelta(minutes=n) for n in range(52)])
    login(coordinator)
    page = client.get("/agency/charges?page=2").get_data(as_text=True)
    last = ids[-1]  # the oldest, alone on page 2
    assert f'action="/charges/{last}/dispute?page=2"' in page
    response = post_form(
        client, f"/charges/{last}/dispute?page=2", {"reason": ""}, token_from="/agency/charges"
    )
    assert f'id="reason-{last}-error"' in response.get_data(as_text=True)
    response = post_form(
        client,
        f"/charges/{last}/dispute?page=2",
        {"reason": "Train strike"},
        token_from="/agency/charges",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("?page=2")
    with app.app_context():
        assert db.session.get(NonAttendanceCharge, last).status is ChargeStatus.DISPUTED


# Paging, totals and statements ----------------------------------------------------------------


def rows_shown(page: str) -> int:
    return page.count('<tr class="govuk-table__row">') - 1  # less the heading row


def totals_shown(page: str) -> tuple[str, str]:
    block = page[page.index('id="charge-totals"') :]
    values = re.findall(r'govuk-summary-list__value">([^<]+)<', block)
    return values[0], values[1]


def test_admin_list_comes_in_pages_of_50_with_totals_for_the_whole_filter(
    client, login, make_agency, make_user, add_charges
):
    elm, oak = make_agency("Elm Tree Surgery"), make_agency("Oak Academy")
    now = utcnow()
    add_charges(elm, *[now - timedelta(hours=n) for n in range(48)])
    add_charges(elm, *[now - timedelta(hours=n) for n in range(5)], status=ChargeStatus.WAIVED)
    add_charges(elm, now, status=ChargeStatus.UPHELD, pence=2500)
    add_charges(oak, now, now)
    login(make_user(roles=(Role.ADMIN,)))

    first = client.get("/admin/charges").get_data(as_text=True)
    assert rows_shown(first) == 50
    assert totals_shown(first) == ("56", "£2,525.00")  # 50 + 1 raised at £50, one at £25
    assert "Charges 1 to 50 of 56" in first
    assert 'href="/admin/charges?page=2"' in first

    filtered = client.get(f"/admin/charges?agency={elm}&status=raised").get_data(as_text=True)
    assert totals_shown(filtered) == ("48", "£2,400.00")
    assert f'href="/admin/charges?page=2&amp;agency={elm}&amp;status=raised"' not in filtered
    assert rows_shown(filtered) == 48
    waived = client.get(f"/admin/charges?agency={elm}&status=waived").get_data(as_text=True)
    assert totals_shown(waived) == ("5", "£0.00")

    second = client.get(f"/admin/charges?agency={elm}&page=2").get_data(as_text=True)
    assert rows_shown(second) == 4  # 54 of the surgery's charges: 50, then 4
    assert totals_shown(second) == ("54", "£2,425.00")  # the filter's totals, not the page's
    assert f'href="/admin/charges?page=1&amp;agency={elm}"' in second


def test_a_sent_filter_form_leads_to_a_clean_address(client, login, make_user):
    login(make_user(roles=(Role.ADMIN,)))
    sent = client.get("/admin/charges?agency=&month=&status=raised")
    assert sent.status_code == 302 and sent.headers["Location"] == "/admin/charges?status=raised"
    refused = client.get("/admin/charges?month=2019-13").get_data(as_text=True)
    assert "Select the month raised from the list" in refused and 'href="#month"' in refused


def test_the_month_picker_chooses_the_statement(app, client, login, coordinator, add_charges):
    this_month = local(utcnow()).date().replace(day=1)
    earlier = date(this_month.year - 1, this_month.month, 15)
    old_moment = datetime(earlier.year, earlier.month, 15, 12, tzinfo=UTC)
    add_charges(coordinator.agency_id, old_moment, pence=3000)
    add_charges(coordinator.agency_id, utcnow(), pence=5000)
    login(coordinator)

    page = client.get("/agency/charges").get_data(as_text=True)
    start = page.index('id="statement-month"')
    picker = page[start : page.index("</select>", start)]
    options = re.findall(r'<option value="(\d{4}-\d{2})"', picker)
    assert len(options) == 13 and options[0] == f"{this_month:%Y-%m}"
    assert options[-1] == f"{earlier:%Y-%m}"
    assert f'<option value="{this_month:%Y-%m}" selected>' in picker
    assert 'formaction="/charges/statement.pdf"' in page

    statement = client.get(f"/charges/statement.csv?month={earlier:%Y-%m}")
    rows = list(csv.reader(io.StringIO(statement.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[5] for row in rows[1:]] == ["30.00"]
    chosen = client.get(f"/agency/charges?month={earlier:%Y-%m}").get_data(as_text=True)
    assert totals_shown(chosen) == ("1", "£30.00")
    assert f'<option value="{earlier:%Y-%m}" selected>' in chosen


def test_each_cell_carries_its_heading_for_narrow_screens(client, login, coordinator, add_charges):
    add_charges(coordinator.agency_id, utcnow())
    login(coordinator)
    page = client.get("/agency/charges").get_data(as_text=True)
    assert 'class="govuk-table app-charges-table"' in page
    for heading in ("Session", "Person", "Reason", "Amount", "Status"):
        assert f'<span class="app-cell-heading" aria-hidden="true">{heading}</span>' in page


def test_the_admin_list_makes_as_many_queries_for_50_charges_as_for_2(
    app, client, login, make_agency, make_user, add_charges
):
    from tests.conftest import counting_statements

    agency = make_agency()
    add_charges(agency, utcnow(), utcnow())
    login(make_user(roles=(Role.ADMIN,)))

    def statements() -> int:
        with counting_statements(app) as seen:
            assert client.get("/admin/charges").status_code == 200
        return len(seen)

    statements()  # the first request of a session reads a few things once
    few = statements()
    add_charges(agency, *[utcnow() - timedelta(minutes=n) for n in range(60)])
    assert statements() == few


def test_a_one_day_dispute_window_is_explained_as_1_day(app, coordinator, add_charges):
    raised = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    (charge_id,) = add_charges(coordinator.agency_id, raised)
    with app.test_request_context():
        charge = db.session.get(NonAttendanceCharge, charge_id)
        closed = charges.dispute_window(charge, now=datetime(2026, 12, 1, tzinfo=UTC), days=1)
        assert closed.refusal == (
            "Charges can be disputed for 1 day after they are raised: this one could be "
            "disputed until 29 November 2026"
        )


@pytest.mark.parametrize("decision", ["uphold", "waive"])
def test_a_refused_decision_shows_the_same_page_again_with_the_reason_typed(
    app, client, login, coordinator, make_user, add_charges, decision
):
    agency = coordinator.agency_id
    now = utcnow()
    ids = add_charges(agency, *[now - timedelta(minutes=n) for n in range(52)])
    last = ids[-1]  # the oldest, alone on page 2
    login(make_user(roles=(Role.ADMIN,)))
    here = f"/admin/charges?agency={agency}&page=2"
    assert f'action="/charges/{last}/waive?agency={agency}&amp;page=2"' in client.get(
        here
    ).get_data(as_text=True)
    typed = "   "
    response = post_form(
        client,
        f"/charges/{last}/{decision}?agency={agency}&page=2",
        {"reason": typed},
        token_from=here,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page
    assert f'<a href="#reason-{last}">Enter the reason for the decision</a>' in page
    box = re.search(rf'<textarea class="([^"]*)" id="reason-{last}"[^>]*>([^<]*)<', page)
    assert "govuk-textarea--error" in box.group(1) and box.group(2) == typed
    assert rows_shown(page) == 2  # still page 2 of this agency's charges

    with app.app_context():  # meanwhile another administrator decides it
        db.session.get(NonAttendanceCharge, last).status = ChargeStatus.WAIVED
        db.session.commit()
    typed = "Agreed with the designated lead & the trainer"
    response = post_form(
        client,
        f"/charges/{last}/{decision}?agency={agency}&page=2",
        {"reason": typed},
        token_from=here,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<a href="#reason-{last}">This charge is already waived</a>' in page
    assert f'id="reason-{last}"' in page
    assert f"Your reason, not sent: {typed.replace('&', '&amp;')}" in page
    with app.app_context():
        charge = db.session.get(NonAttendanceCharge, last)
        assert charge.status is ChargeStatus.WAIVED and charge.decision_reason is None


def test_a_decision_after_a_refusal_goes_back_to_the_list_it_came_from(
    app, client, login, coordinator, make_user, add_charges
):
    (charge_id,) = add_charges(coordinator.agency_id, utcnow())
    login(make_user(roles=(Role.ADMIN,)))
    here = f"/admin/charges?agency={coordinator.agency_id}"
    url = f"/charges/{charge_id}/uphold?agency={coordinator.agency_id}"
    page = post_form(client, url, {"reason": ""}, token_from=here).get_data(as_text=True)
    assert f'name="back" value="{here}"' in page
    typed = "Seen by the designated lead"

    response = post_form(client, url, {"reason": typed, "back": here}, token_from=here)

    assert response.status_code == 302 and response.location == here
    with app.app_context():
        charge = db.session.get(NonAttendanceCharge, charge_id)
        assert charge.status is ChargeStatus.UPHELD and charge.decision_reason == typed
