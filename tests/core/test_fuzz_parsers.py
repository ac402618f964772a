"""Fuzzing the parsers of typed and sent text: periods, report filters (directly, and through
the reports page and API), times of day, hours, chase selections, email domains, GOV.UK date
inputs, and the cleaners every one-line value goes through. Each gives its value or its own
refusal with a message, never another exception; what it gives back reads back the same; and
no control character comes out of a cleaner.

Elsewhere: Teams and Zoom reports in tests/attendance/test_fuzz_meeting_reports.py, completion
files in tests/elearning/test_fuzz_completion_files.py, xAPI statements in
tests/elearning/test_fuzz_xapi_statements.py (and the endpoint against its OpenAPI document in
tests/elearning/test_xapi_contract.py), pasted credentials in
tests/certificates/test_fuzz_credentials.py, evaluation answers in
tests/feedback/test_fuzz_answers.py."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.accounts.agencies import DOMAIN_PATTERN, AgencyError, parse_domains
from lms.compliance.chasing import ChaseError, parse_selection
from lms.core.errors import DomainError
from lms.core.text import multi_line, single_line
from lms.core.timefmt import parse_clock
from lms.elearning.declarations import DeclarationError, parse_hours
from lms.elearning.evidence import NAME_LIMIT, clean_name
from lms.feedback.comments import SEARCH_MAX, clean_search
from lms.mail.headers import SUBJECT_LENGTH, clean_subject
from lms.reports import filters, periods
from tests.fuzzing import CONTROLS, bounded, nasty

BOUNDED = bounded(80, HealthCheck.function_scoped_fixture)
NASTY = nasty("Qqapm")
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


# Periods and report filters ------------------------------------------------------------------


@BOUNDED
@given(NASTY)
def test_any_period_text_is_a_period_or_refused(text):
    try:
        period = periods.parse(text)
    except periods.PeriodError as error:
        assert str(error)
        return
    assert period.first <= period.last
    assert periods.parse(period.code) == period


@BOUNDED
@given(st.integers(2000, 2098), st.integers(1, 4))
def test_years_and_quarters_read_back(year, number):
    assert periods.parse(periods.fy_label(year)) == periods.financial_year(year)
    quarter = periods.quarter(year, number)
    for written in (quarter.code, quarter.code.replace(" ", "-"), quarter.code.lower()):
        assert periods.parse(written) == quarter


@BOUNDED
@given(st.dates(date(2000, 4, 1), date(2100, 12, 31)), st.dates(date(2000, 4, 1)))
def test_date_ranges_read_back_or_are_refused(first, last):
    try:
        period = periods.parse(f"{first}..{last}")
    except periods.PeriodError as error:
        assert last < first or last.year > 2100, error
        return
    assert (period.first, period.last) == (first, last)


@pytest.fixture
def themes_and_agencies(make_theme, make_agency):
    make_theme("Neglect")
    make_agency("Riverside Police")


FILTER_VALUES = st.one_of(NASTY, st.sampled_from(["1", "4", "²", "١", "neglect", "99999999999"]))


@BOUNDED
@given(
    st.dictionaries(st.sampled_from(["period", *filters.Filters.__annotations__]), FILTER_VALUES)
)
def test_any_report_filters_are_filters_or_refused(app, themes_and_agencies, args):
    with app.app_context():
        try:
            found = filters.parse_args(args, now=NOW)
        except DomainError as error:
            assert str(error)
            return
    assert found.period.first <= found.period.last


def test_digits_of_other_scripts_name_no_theme_or_agency(app):
    """ "²".isdigit() is true but int("²") fails: it was a server error."""
    with app.app_context():
        for name in ("theme", "agency"):
            for value in ("²", "١٢", "¹²³"):
                try:
                    filters.parse_args({name: value}, now=NOW)
                except DomainError as error:
                    assert value in str(error)
                else:
                    raise AssertionError(f"{name}={value} was accepted")


# Times of day, hours, selections, domains ------------------------------------------------------


@BOUNDED
@given(NASTY)
def test_any_clock_text_is_a_time_or_none(text):
    found = parse_clock(text)
    assert found is None or isinstance(found, time)


@BOUNDED
@given(st.times().map(lambda moment: moment.replace(second=0, microsecond=0)))
def test_times_of_day_as_people_type_them_read_back(moment):
    twelve = moment.hour % 12 or 12
    half = "am" if moment.hour < 12 else "pm"
    for typed in (
        moment.strftime("%H:%M"),
        moment.strftime("%H.%M"),
        moment.strftime("%H%M"),
        f"{twelve}:{moment.minute:02d}{half}",
        f" {twelve}.{moment.minute:02d} {half[0]}.m. ",
    ):
        assert parse_clock(typed) == moment, typed


@BOUNDED
@given(NASTY)
def test_any_hours_text_is_hours_or_refused(text):
    try:
        hours = parse_hours(text)
    except DeclarationError as error:
        assert str(error) and error.field == "hours"
        return
    assert Decimal("0.5") <= hours <= 100 and not (hours * 2) % 1


@BOUNDED
@given(st.integers(1, 200))
def test_half_hours_read_back(halves):
    hours = Decimal(halves) / 2
    assert parse_hours(str(hours)) == hours
    assert parse_hours(f" {hours:.1f} ") == hours


@BOUNDED
@given(st.lists(st.one_of(NASTY, st.from_regex(r"[0-9]{1,11}-[0-9]{1,11}", fullmatch=True))))
def test_any_chase_selection_is_pairs_or_refused(values):
    try:
        pairs = parse_selection(values)
    except ChaseError as error:
        assert str(error) and error.field == "chosen"
        return
    assert pairs and [f"{a}-{b}" for a, b in pairs] == list(
        dict.fromkeys(f"{int(a)}-{int(b)}" for a, b in (v.split("-") for v in values))
    )
    assert all(0 <= part < 2**31 for pair in pairs for part in pair)


@BOUNDED
@given(NASTY)
def test_any_domain_text_is_domains_or_refused(text):
    try:
        domains = parse_domains(text)
    except AgencyError as error:
        assert str(error)
        return
    assert all(DOMAIN_PATTERN.match(domain) for domain in domains)
    assert parse_domains("\n".join(domains)) == domains


# The cleaners every one-line value goes through ------------------------------------------------


@BOUNDED
@given(NASTY)
def test_cleaned_text_holds_no_control_characters(text):
    for cleaned in (single_line(text), clean_subject(text), clean_search(text)):
        assert not CONTROLS.search(cleaned), repr(cleaned)
    assert len(clean_subject(text)) <= SUBJECT_LENGTH and len(clean_search(text)) <= SEARCH_MAX
    kept = multi_line(text)
    assert not CONTROLS.search(kept.replace("\n", "").replace("\t", ""))
    assert single_line(single_line(text)) == single_line(text)
    name = clean_name(text, "application/pdf")
    assert name.endswith(".pdf") and len(name) <= NAME_LIMIT
    assert not CONTROLS.search(name) and "/" not in name and "\\" not in name


@BOUNDED
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Zl", "Zp"]), max_size=60))
def test_text_without_control_characters_is_left_as_it_is(text):
    assert single_line(text) == text and multi_line(text) == text


# The report filters through the pages and the API ----------------------------------------------


@pytest.fixture
def report_readers(app, make_user, login, client, themes_and_agencies):
    """An admin signed in to `client`, and a PDL viewer's API token."""
    from lms.accounts import tokens
    from lms.accounts.models import Role, TokenKind, User
    from lms.core.models import utcnow
    from lms.extensions import db

    login(make_user(roles=(Role.ADMIN,)))
    viewer = make_user(roles=(Role.PDL_VIEWER,))
    with app.app_context():
        secret = tokens.issue(db.session.get(User, viewer.id), TokenKind.API, now=utcnow())
        db.session.commit()
    return secret


QUERY = st.dictionaries(
    st.sampled_from(["period", "theme", "level", "mode", "audience", "sector", "agency", "by"]),
    FILTER_VALUES.filter(lambda text: "\x00" not in text),
    max_size=4,
)


@settings(BOUNDED, max_examples=30)
@given(QUERY)
def test_any_report_query_is_answered_or_refused(client, report_readers, query):
    page = client.get("/reports/programme", query_string=query)
    assert page.status_code in (200, 302, 400), page.status_code
    api = client.get(
        "/api/v1/reports/programme",
        query_string=query,
        headers={"Authorization": f"Bearer {report_readers}"},
    )
    assert api.status_code in (200, 400), api.status_code
    if api.status_code == 400:
        assert api.get_json()


def test_a_theme_or_agency_in_other_digits_is_refused_by_the_api(client, report_readers):
    for name in ("theme", "agency"):
        api = client.get(
            "/api/v1/reports/programme",
            query_string={name: "²"},
            headers={"Authorization": f"Bearer {report_readers}"},
        )
        assert api.status_code == 400 and api.get_json()


# Dates typed in GOV.UK date inputs ---------------------------------------------------------------


def typed_date(app, day: str, month: str, year: str):
    """What a UKDateField makes of the three parts typed: its date, or the problem."""
    from werkzeug.datastructures import MultiDict

    from lms.core.forms import AppForm, UKDateField

    class Form(AppForm):
        when = UKDateField("Date")

    with app.test_request_context(method="POST"):
        form = Form(formdata=MultiDict([("when", day), ("when", month), ("when", year)]))
        form.meta.csrf = False
        form.validate()
        return form.when.data, form.when.errors


DATE_PART = st.one_of(NASTY, st.from_regex(r"[0-9]{1,6}", fullmatch=True), st.just("9" * 5000))


@BOUNDED
@given(DATE_PART, DATE_PART, DATE_PART)
def test_any_typed_date_is_a_date_or_refused_by_name(app, day, month, year):
    found, errors = typed_date(app, day, month, year)
    assert (found is None) == bool(errors) or not (day.strip() or month.strip() or year.strip())
    for error in errors:
        assert error.startswith("Date ")


@BOUNDED
@given(st.dates(date(1000, 1, 1)))
def test_typed_dates_read_back(app, day):
    assert typed_date(app, str(day.day), f"{day.month:02d}", str(day.year)) == (day, [])


def test_a_date_part_thousands_of_digits_long_is_refused(app):
    """int() refuses more than 4,300 digits: the form showed Python's own message for it."""
    for parts in (("9" * 5000, "1", "2026"), ("1", "9" * 5000, "2026")):
        assert typed_date(app, *parts) == (None, ["Date must be a real date"])


def test_a_year_too_large_for_a_date_is_refused_on_the_pages(client, report_readers):
    """date() raises OverflowError, not ValueError, for a year of 20 digits: it was a server
    error on the reports page (a typed range) and the charges page (a month)."""
    huge = "9" * 20
    query = {"start": ["1", "4", huge], "end": ["31", "3", "2026"], "submit": "Show"}
    assert client.get("/reports/programme", query_string=query).status_code in (200, 302, 400)
    assert client.get("/admin/charges", query_string={"month": f"{huge}-01"}).status_code == 200
