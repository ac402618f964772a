"""The reports API: a PDL viewer's token made on the account page gets real figures; anything
else is refused in JSON, and every answer matches the OpenAPI document."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from flask import abort, request
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from lms.accounts import tokens
from lms.accounts.models import PersonalToken, Role, Sector, TokenKind, User
from lms.attendance.models import Outcome
from lms.bookings.models import Booking, BookingStatus
from lms.core.errors import DomainError
from lms.core.inputs import NUL_REFUSED
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports import periods
from lms.reports.build import REPORTS, TREND_MEASURES
from lms.reports.period_patterns import period_admitted
from tests.api.contract import admits, parameter
from tests.conftest import one_day, post_form, uk

LONDON = ZoneInfo("Europe/London")
# In the 2025-26 financial year, after the sessions below ran.
NOW = datetime(2026, 2, 16, 12, 0, tzinfo=UTC)
SECRET = re.compile(r'<code class="app-code" id="api-token">([^<]+)</code>')


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token_from_account_page(client, label="Annual report") -> str:
    page = post_form(client, "/account/api-tokens", {"label": label}, token_from="/account")
    assert page.status_code == 200
    return SECRET.search(page.get_data(as_text=True)).group(1)


def issue(app, person) -> str:
    with app.app_context():
        secret = tokens.issue(db.session.get(User, person.id), TokenKind.API, now=utcnow())
        db.session.commit()
        return secret


@pytest.fixture
def viewer(make_user):
    return make_user(roles=(Role.PDL_VIEWER,))


@pytest.fixture
def secret(client, login, viewer):
    """A PDL viewer's token, made on the account page; the client is then signed out."""
    login(viewer)
    made = token_from_account_page(client)
    client.delete_cookie("session")
    return made


@pytest.fixture
def history(app, make_agency, make_user, make_course, make_course_session):
    """One classroom session in October 2025: the health trust booked two places (one came, one
    did not), the police one (who came). A session next year, with a booking, counts nowhere."""
    health = make_agency("Riverside Health", sector=Sector.HEALTH)
    police = make_agency("Riverside Police", sector=Sector.POLICE)
    course = make_course("Recognising neglect", code="NEG2", level=2)
    ran = make_course_session(course, dates=one_day(uk(2025, 10, 14)))
    later = make_course_session(course, dates=one_day(uk(2026, 5, 12)))
    people = [
        (make_user(agency_id=health), ran, Outcome.COMPLETED),
        (make_user(agency_id=health), ran, Outcome.NO_SHOW),
        (make_user(agency_id=police), ran, Outcome.COMPLETED),
        (make_user(agency_id=police), later, None),
    ]
    with app.app_context():
        for person, session_id, outcome in people:
            db.session.add(
                Booking(
                    user_id=person.id,
                    session_id=session_id,
                    agency_id=person.agency_id,
                    status=BookingStatus.CONFIRMED,
                    confirmed_at=uk(2025, 9, 1),
                    outcome=outcome.value if outcome else None,
                )
            )
        db.session.commit()
    return {"health": health, "police": police}


# Figures ---------------------------------------------------------------------------------------


def test_a_token_from_the_account_page_gets_the_programme(app, client, secret, viewer, history):
    response = client.get("/api/v1/reports/programme?period=2025-26", headers=bearer(secret))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert (body["report"], body["period"]) == ("programme", "2025-26")
    assert body["period_label"] == "2025-26 financial year"
    (row,) = body["rows"]
    assert row["group"] == "Face to face"
    assert (row["sessions_run"], row["booked"], row["attended"], row["no_shows"]) == (1, 3, 2, 1)
    assert row["attendance_rate"] == 66.7
    assert body["total"]["group"] == "Total" and body["total"]["booked"] == 3
    assert {"key": "booked", "label": "Booked", "kind": "count"} in body["columns"]
    with app.app_context():
        token = db.session.scalar(
            sa.select(PersonalToken).where(PersonalToken.user_id == viewer.id)
        )
        assert token.last_used_at == NOW


def test_attendance_by_agency_counts_each_agency(client, secret, history):
    response = client.get("/api/v1/reports/attendance-by-agency", headers=bearer(secret))
    assert response.status_code == 200
    rows = {row["agency"]: row for row in response.json["rows"]}
    health, police = rows["Riverside Health"], rows["Riverside Police"]
    assert (health["sector"], health["booked"], health["attended"], health["no_shows"]) == (
        "Health",
        2,
        1,
        1,
    )
    assert (police["booked"], police["attended"], police["attendance_rate"]) == (1, 1, 100.0)
    assert response.json["total"]["booked"] == 3


def test_filters_narrow_the_figures_and_are_named(client, secret, history):
    response = client.get(
        f"/api/v1/reports/attendance-by-agency?agency={history['police']}", headers=bearer(secret)
    )
    assert [row["agency"] for row in response.json["rows"]] == ["Riverside Police"]
    assert response.json["filters"] == {"Agency": "Riverside Police"}
    by_sector = client.get(
        "/api/v1/reports/attendance-by-sector?sector=health&period=2025-26 Q3",
        headers=bearer(secret),
    )
    assert by_sector.json["period"] == "2025-26 Q3"
    assert [(row["sector"], row["booked"]) for row in by_sector.json["rows"]] == [("Health", 2)]
    other_quarter = client.get(
        "/api/v1/reports/programme?period=2025-04-01..2025-06-30", headers=bearer(secret)
    )
    assert other_quarter.json["rows"] == [] and other_quarter.json["total"]["booked"] == 0


def test_programme_by_level_and_the_trend_of_chosen_measures(client, secret, history):
    by_level = client.get("/api/v1/reports/programme?by=level", headers=bearer(secret))
    assert [row["group"] for row in by_level.json["rows"]] == ["Level 2"]
    trend = client.get(
        "/api/v1/reports/trend?measure=booked&measure=attendance_rate", headers=bearer(secret)
    )
    assert trend.status_code == 200
    assert [column["key"] for column in trend.json["columns"]] == [
        "measure",
        "2023-24",
        "2024-25",
        "2025-26",
    ]
    booked, rate = trend.json["rows"]
    assert (booked["measure"], booked["2024-25"], booked["2025-26"]) == ("Booked", 0, 3)
    assert (rate["kind"], rate["2024-25"], rate["2025-26"]) == ("percent", None, 66.7)
    commas = client.get("/api/v1/reports/trend?measure=booked,attended", headers=bearer(secret))
    assert [row["measure"] for row in commas.json["rows"]] == ["Booked", "Attended"]


def test_the_list_of_reports(client, secret):
    response = client.get("/api/v1/reports", headers=bearer(secret))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    listed = {report["name"]: report for report in response.json["reports"]}
    assert list(listed) == list(REPORTS)
    programme = listed["programme"]
    assert programme["title"] == "Programme delivered"
    assert programme["url"] == "https://localhost/api/v1/reports/programme"
    assert programme["options"]["by"]["default"] == "mode"
    assert {"value": "theme", "label": "Theme"} in programme["options"]["by"]["values"]
    assert listed["trend"]["options"]["measure"]["repeatable"] is True
    assert listed["unmet-demand"]["options"] == {}


# Who may ask -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/reports/programme"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
)
def test_no_token_is_401(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json["error"]


def test_a_forged_or_revoked_token_is_401(app, client, secret, viewer):
    forged = client.get("/api/v1/reports/programme", headers=bearer("not-a-real-token"))
    assert forged.status_code == 401
    assert forged.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert "not valid" in forged.json["error"]
    assert client.get("/api/v1/reports", headers=bearer(secret)).status_code == 200
    with app.app_context():
        (token,) = db.session.scalars(sa.select(PersonalToken)).all()
        tokens.revoke(token, now=utcnow())
        db.session.commit()
    revoked = client.get("/api/v1/reports/programme", headers=bearer(secret))
    assert revoked.status_code == 401 and revoked.json["error"] == forged.json["error"]


def test_a_token_revoked_on_the_account_page_stops_working(client, login, viewer, secret):
    login(viewer)
    with client.application.app_context():
        token_id = db.session.scalar(sa.select(PersonalToken.id))
    post_form(client, f"/account/api-tokens/{token_id}/revoke", {}, token_from="/account")
    assert client.get("/api/v1/reports", headers=bearer(secret)).status_code == 401


def test_a_closed_account_token_is_401(app, client, secret, viewer):
    with app.app_context():
        db.session.get(User, viewer.id).is_active = False
        db.session.commit()
    assert client.get("/api/v1/reports", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.COORDINATOR, Role.TRAINER])
def test_a_token_of_someone_who_is_not_a_pdl_viewer_is_403(app, client, make_user, role):
    secret = issue(app, make_user(roles=(role,)))
    for path in ["/api/v1/reports", "/api/v1/reports/programme"]:
        response = client.get(path, headers=bearer(secret))
        assert response.status_code == 403
        assert response.json == {
            "error": "Only PDL viewers and admins may get reports through the API."
        }


def test_an_admins_token_works(app, client, make_user):
    secret = issue(app, make_user(roles=(Role.ADMIN,)))
    assert client.get("/api/v1/reports/programme", headers=bearer(secret)).status_code == 200


def test_a_signed_in_browser_without_a_token_is_401(client, login, viewer):
    login(viewer)
    assert client.get("/account").status_code == 200
    assert client.get("/api/v1/reports/programme").status_code == 401


def test_it_is_read_only(client, secret):
    response = client.post("/api/v1/reports/programme", headers=bearer(secret))
    assert response.status_code == 405
    assert "read-only" in response.json["error"]


# Bad requests ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "period=2025",
            "Enter the period as a financial year like 2025-26, a quarter like 2025-26 Q1, "
            "or a date range like 2025-04-01..2025-06-30",
        ),
        ("period=2025-27", "2025-27 is not a financial year: write it as 2025-26"),
        ("period=2025-06-30..2025-04-01", "The end date must be the same as or after"),
        ("agency=999999", "There is no agency with the number '999999'"),
        ("theme=nothing", "There is no theme 'nothing'"),
        ("level=5", "The level must be 1, 2, 3 or 4, not '5'"),
        ("sector=space", "The sector must be one of"),
        ("by=colour", "The by must be one of mode, level, theme, time"),
        ("colour=red", "Unknown parameter 'colour'. The programme report accepts: period,"),
        ("measure=booked", "Unknown parameter 'measure'"),
        ("period=2025-26&period=2024-25", "Give period only once (it was given 2 times)."),
    ],
)
def test_a_bad_parameter_is_400_with_its_message(client, secret, query, message):
    response = client.get(f"/api/v1/reports/programme?{query}", headers=bearer(secret))
    assert response.status_code == 400
    assert message in response.json["error"]
    assert response.headers["Cache-Control"] == "no-store"


def test_options_belong_to_their_report(client, secret):
    response = client.get("/api/v1/reports/attendance-by-agency?by=level", headers=bearer(secret))
    assert response.status_code == 400
    assert "Unknown parameter 'by'" in response.json["error"]
    unknown = client.get("/api/v1/reports/trend?measure=happiness", headers=bearer(secret))
    assert unknown.status_code == 400
    assert unknown.json["error"].startswith("There is no measure 'happiness'. The measures are:")


def test_an_unknown_report_is_404(client, secret):
    response = client.get("/api/v1/reports/league-table", headers=bearer(secret))
    assert response.status_code == 404
    assert response.json["error"].startswith("There is no report called 'league-table'.")
    assert "attendance-by-agency" in response.json["error"]
    # Without a token, the caller learns nothing about which reports exist.
    assert client.get("/api/v1/reports/league-table").status_code == 401


# The OpenAPI document --------------------------------------------------------------------------


@pytest.fixture
def document_after(client):
    """The document as served now (it lists the themes and agencies there are)."""

    def served():
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        return response.json

    return served


@pytest.fixture
def document(document_after):
    return document_after()


def response_schema(document, path, status):
    response = document["paths"][path]["get"]["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def assert_matches(document, path, status, response):
    assert response.status_code == status, response.json
    assert response.mimetype == "application/json"
    schema = response_schema(document, path, status)
    Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    ).validate(response.json)


def test_the_document_describes_the_reports_and_their_token(document):
    validate(document)
    assert {"/reports", *(f"/reports/{name}" for name in REPORTS)} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for name, report in REPORTS.items():
        operation = document["paths"][f"/reports/{name}"]["get"]
        assert operation["security"] == [{"bearerAuth": []}]
        assert set(operation["responses"]) == {"200", "400", "401", "403"}
        assert operation["summary"] == report.title
    assert "security" not in document["paths"]["/sessions"]["get"]


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_answers_with_the_documented_schema(client, secret, history, document, name):
    response = client.get(f"/api/v1/reports/{name}?period=2025-26", headers=bearer(secret))
    assert_matches(document, f"/reports/{name}", 200, response)
    assert response.json["report"] == name


def test_the_list_and_the_errors_match_the_document(app, client, secret, make_user, document):
    assert_matches(document, "/reports", 200, client.get("/api/v1/reports", headers=bearer(secret)))
    path = "/reports/programme"
    assert_matches(document, path, 401, client.get("/api/v1/reports/programme"))
    outsider = issue(app, make_user())
    assert_matches(
        document, path, 403, client.get("/api/v1/reports/programme", headers=bearer(outsider))
    )
    assert_matches(
        document, path, 400, client.get("/api/v1/reports/programme?level=9", headers=bearer(secret))
    )
    missing = client.get("/api/v1/reports/x", headers=bearer(secret))
    assert missing.status_code == 404 and "/reports/x" not in document["paths"]
    Draft202012Validator(
        {"$ref": "#/components/schemas/Error", "components": document["components"]}
    ).validate(missing.json)


def test_every_documented_option_value_is_accepted(client, secret, history, document):
    for value in parameter(document, "/reports/programme", "by")["schema"]["enum"]:
        response = client.get(
            "/api/v1/reports/programme", query_string={"by": value}, headers=bearer(secret)
        )
        assert_matches(document, "/reports/programme", 200, response)
    examples = parameter(document, "/reports/trend", "measure")["schema"]["items"]["examples"]
    for value in [*TREND_MEASURES, ",".join(TREND_MEASURES), *examples]:
        assert admits(document, "/reports/trend", "measure", value)
        response = client.get(
            "/api/v1/reports/trend", query_string={"measure": value}, headers=bearer(secret)
        )
        assert_matches(document, "/reports/trend", 200, response)


# The document and the answers agree -------------------------------------------------------------


def test_an_empty_agency_is_left_out_by_the_document_and_the_answers(
    client, secret, history, document
):
    path = "/reports/attendance-by-agency"
    assert admits(document, path, "agency", "")
    everything = client.get(f"/api/v1{path}?period=2025-26", headers=bearer(secret))
    emptied = client.get(f"/api/v1{path}?period=2025-26&agency=", headers=bearer(secret))
    assert emptied.status_code == 200 and emptied.json == everything.json
    assert len(emptied.json["rows"]) == 2


def test_an_agency_is_one_of_the_numbers_the_document_lists(client, secret, history, document):
    path = "/reports/attendance-by-agency"
    listed = parameter(document, path, "agency")["schema"]["enum"]
    assert {history["health"], history["police"]} <= set(listed)
    health = client.get(f"/api/v1{path}?agency={history['health']}", headers=bearer(secret))
    assert_matches(document, path, 200, health)
    assert health.json["filters"] == {"Agency": "Riverside Health"}
    for value in ("0", f"0{history['health']}", " 1", str(2**31), "9" * 30, "1\x00"):
        assert not admits(document, path, "agency", value)
        refused = client.get(path_with(path, agency=value), headers=bearer(secret))
        assert_matches(document, path, 400, refused)
        expected = NUL_REFUSED if "\x00" in value else "There is no agency with the number"
        assert refused.json["error"].startswith(expected)


def test_a_theme_is_one_of_the_slugs_the_document_lists(
    client, secret, history, make_theme, document_after
):
    make_theme("Neglect")
    document = document_after()
    path = "/reports/programme"
    assert parameter(document, path, "theme")["schema"]["enum"] == ["neglect"]
    assert_matches(
        document, path, 200, client.get(f"/api/v1{path}?theme=neglect", headers=bearer(secret))
    )
    assert admits(document, path, "theme", "")
    for value in ("0", "1", "Neglect", "neglect\x00"):
        assert not admits(document, path, "theme", value)
        refused = client.get(path_with(path, theme=value), headers=bearer(secret))
        assert_matches(document, path, 400, refused)
        expected = NUL_REFUSED if "\x00" in value else "There is no theme"
        assert refused.json["error"].startswith(expected)


@pytest.mark.parametrize("name", list(REPORTS))
def test_by_belongs_to_the_programme_and_impact_alone_in_the_document_and_the_answers(
    client, secret, document, name
):
    taken = client.get(f"/api/v1/reports/{name}?by=mode", headers=bearer(secret))
    if name == "programme":
        assert admits(document, f"/reports/{name}", "by", "mode")
        assert_matches(document, f"/reports/{name}", 200, taken)
    elif name == "impact":  # its own groupings
        assert not admits(document, f"/reports/{name}", "by", "mode")
        assert admits(document, f"/reports/{name}", "by", "sector")
        assert_matches(document, f"/reports/{name}", 400, taken)
        assert taken.json["error"] == "The by must be one of course, theme, level, agency, sector"
        sector = client.get(f"/api/v1/reports/{name}?by=sector", headers=bearer(secret))
        assert_matches(document, f"/reports/{name}", 200, sector)
    else:
        assert not admits(document, f"/reports/{name}", "by", "mode")
        assert_matches(document, f"/reports/{name}", 400, taken)
        assert taken.json["error"].startswith("Unknown parameter 'by'")


@pytest.mark.parametrize(
    ("name", "period", "status"),
    [
        ("programme", "2000-01", 200),
        ("trend", "2000-01", 400),
        ("trend", "2002-03", 200),
        ("trend", "2002-04-01..2100-03-31", 200),
        ("trend", "2000-04-01..2100-04-01", 400),
        ("programme", "2000-04-01..2100-12-31", 200),
        ("programme", "2000-03-31..2000-04-01", 400),
        ("programme", "2024-02-29..2024-02-29", 200),
        ("programme", "2025-02-29..2025-03-01", 400),
        ("programme", "2025-26q1", 400),
        ("programme", "2025-04-01 to 2025-06-30", 400),
        ("programme", " 2025-26", 400),
        ("programme", "", 200),
    ],
)
def test_the_document_admits_exactly_the_periods_a_report_answers_for(
    client, secret, document, name, period, status
):
    path = f"/reports/{name}"
    response = client.get(f"/api/v1{path}", query_string={"period": period}, headers=bearer(secret))
    assert_matches(document, path, status, response)
    assert admits(document, path, "period", period) == (status == 200)


def path_with(path: str, **query) -> str:
    return f"/api/v1{path}?{urlencode(query)}"


def reads(report: str, text: str) -> bool:
    """Whether the report can answer for this period, as `periods` and the trend read it."""
    try:
        period = periods.parse(text)
        if report == "trend":
            years = periods.last_three_years(period)
            periods.date_range(years[0].first, years[-1].last)
    except DomainError:
        return False
    return True


@pytest.mark.parametrize("report", ["programme", "trend"])
def test_the_period_pattern_is_exactly_the_periods_read(report):
    """Every financial year and quarter from 1995 to 2105 and every day from 1999 to 2101 as a
    one-day range: the document's pattern admits those the report answers for, and no other."""
    texts = [periods.fy_label(year) for year in range(1995, 2106)]
    texts += [f"{label} Q{number}" for label in texts[::7] for number in (1, 4)]
    day = date(1999, 12, 1)
    while day <= date(2101, 1, 31):
        texts.append(f"{day}..{day}")
        day += timedelta(days=1)
    texts += [
        "2025-26",
        "2024-02-29..2024-03-01",
        "2023-02-29..2023-03-01",
        "2025-13-01..2025-13-02",
    ]
    for text in texts:
        assert period_admitted(report, text) == reads(report, text), text


def test_a_refusal_from_outside_the_api_is_still_json(app, client, secret, document):
    """A guard for the whole site (NUL bytes, ids too large for the database) that refuses a
    request with 400 gets the API's documented JSON error, not the site's HTML page."""

    def guard():
        if "%00" in request.query_string.decode() or "\x00" in request.args.get("q", ""):
            abort(400, "A value held a NUL byte.")

    app.before_request_funcs.setdefault(None, []).insert(0, guard)
    for path in ("/reports/programme", "/sessions", "/courses"):
        refused = client.get(f"/api/v1{path}?q=%00", headers=bearer(secret))
        assert_matches(document, path, 400, refused)
        assert refused.json == {"error": "A value held a NUL byte."}
