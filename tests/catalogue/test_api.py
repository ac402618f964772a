"""The read-only JSON API: its OpenAPI document, what each endpoint lists, filters, paging and
errors, UK time offsets, and what it must never show."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from lms.catalogue.models import Course, CourseSession
from lms.catalogue.openapi import openapi_document
from lms.extensions import db
from lms.reports.build import REPORTS
from tests.api.contract import admits, parameter
from tests.conftest import counting_statements, one_day, uk

LONDON = ZoneInfo("Europe/London")
# The clock is stopped here so the 2027 sessions below stay in the future.
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
JOIN_LINK = "https://teams.example/meet/abc"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def validator(document, schema):
    """A Draft 2020-12 validator for a schema of the document, resolving its component refs."""
    return Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def response_schema(document, path, status):
    response = document["paths"][path]["get"]["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def assert_matches(document, path, status, response):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    validator(document, response_schema(document, path, status)).validate(response.json)


def catalogue_paths(document):
    """The catalogue's paths and operations (the reports, which need a token, are tested in
    tests/reports/test_api.py)."""
    return {
        path: operations
        for path, operations in document["paths"].items()
        if operations.get("get", {}).get("tags") == ["Catalogue"]
    }


def codes(response):
    return [item["course_code"] for item in response.json["sessions"]]


@pytest.fixture
def programme(app, make_theme, make_course, make_course_session):
    """Three published courses, each with one upcoming session, plus a prerequisite and a
    certificate validity on the second."""
    neglect, exploitation = make_theme("Neglect"), make_theme("Exploitation")
    neglect_course = make_course(
        "Neglect basics", code="NEG1", level=1, audience="children", theme_ids=[neglect]
    )
    exploitation_course = make_course(
        "Exploitation in depth",
        code="EXP3",
        level=3,
        mode="virtual",
        audience="adults",
        theme_ids=[exploitation],
        approval_required=True,
    )
    abuse_course = make_course("Domestic abuse", code="DA2", mode="blended", audience="both")
    with app.app_context():
        course = db.session.get(Course, exploitation_course)
        course.prerequisite_id = neglect_course
        course.certificate_validity_months = 36
        db.session.commit()
    sessions = {
        "NEG1": make_course_session(neglect_course, dates=one_day(uk(2027, 3, 29))),
        "EXP3": make_course_session(
            exploitation_course,
            dates=one_day(uk(2027, 11, 1, 17, 0), hours=2),
            virtual=True,
            capacity=10,
            places_taken=10,
        ),
        "DA2": make_course_session(
            abuse_course, dates=one_day(uk(2027, 2, 10, 13, 0), hours=3), places_taken=5
        ),
    }
    with app.app_context():
        online = db.session.get(CourseSession, sessions["EXP3"])
        online.joining_instructions = "Dial in with the secret code 4242"
        db.session.commit()
    return sessions


# The document ----------------------------------------------------------------------------------


def test_the_builder_makes_a_valid_openapi_3_1_document():
    built = openapi_document(title="Riverside training API", server_url="https://lms.test/api/v1")
    validate(built)
    assert built["openapi"] == "3.1.0"
    assert built["info"]["title"] == "Riverside training API"
    assert built["servers"] == [{"url": "https://lms.test/api/v1"}]
    assert {
        "Session",
        "SessionDate",
        "Venue",
        "Course",
        "Error",
        "SessionList",
        "CourseList",
    } <= set(built["components"]["schemas"])


def test_the_served_document_is_valid_and_names_the_partnership(client, document):
    validate(document)
    assert document["info"]["title"].startswith("Riverside Safeguarding Children Partnership")
    assert document["servers"] == [{"url": "https://localhost/api/v1"}]
    reports = {f"/reports/{name}" for name in REPORTS}
    xapi = {"/xapi/statements", "/xapi/about"}
    assert set(document["paths"]) == {"/sessions", "/courses", "/reports", *reports, *xapi}


def test_every_documented_path_answers_with_its_documented_schema(client, document, programme):
    prefix = urlsplit(document["servers"][0]["url"]).path
    for path, operations in catalogue_paths(document).items():
        response = client.get(prefix + path)
        assert_matches(document, path, 200, response)
        (key,) = {"/sessions": ["sessions"], "/courses": ["courses"]}[path]
        assert len(response.json[key]) == 3
        assert response.headers["Cache-Control"] == "public, no-cache"
        assert response.headers["ETag"].startswith("W/")
        assert set(operations) == {"get"}


@pytest.mark.parametrize(("key", "schema"), [("sessions", "Session"), ("courses", "Course")])
def test_items_carry_exactly_the_documented_fields(client, document, programme, key, schema):
    documented = document["components"]["schemas"][schema]
    for item in client.get(f"/api/v1/{key}").json[key]:
        assert set(item) == set(documented["properties"]) == set(documented["required"])


def test_every_documented_parameter_is_accepted(client, programme, document):
    examples = {
        "theme": "neglect",
        "month": "2027-03",
        "places_available": "true",
        "level": "1",
        "page": "1",
        "per_page": "100",
    }
    for path, operations in catalogue_paths(document).items():
        for reference in operations["get"]["parameters"]:
            parameter = document["components"]["parameters"][reference["$ref"].rsplit("/", 1)[1]]
            name = parameter["name"]
            value = examples.get(name) or parameter["schema"]["enum"][0]
            response = client.get(f"/api/v1{path}", query_string={name: value})
            assert_matches(document, path, 200, response)


# What is listed --------------------------------------------------------------------------------


def test_a_session_shows_its_course_dates_venue_and_places(client, programme):
    listed = {item["course_code"]: item for item in client.get("/api/v1/sessions").json["sessions"]}
    classroom, online = listed["NEG1"], listed["EXP3"]
    assert classroom["id"] == programme["NEG1"]
    assert classroom["title"] == "Neglect basics"
    assert classroom["themes"] == ["Neglect"]
    assert (classroom["level"], classroom["delivery_mode"], classroom["audience"]) == (
        1,
        "classroom",
        "children",
    )
    assert classroom["venue"]["address"] == "1 Town Hall Square, Riverside"
    assert classroom["venue"]["postcode"] == "E1 6AN"
    assert (classroom["capacity"], classroom["places_left"]) == (20, 20)
    assert classroom["time_of_day"] == "daytime"
    assert classroom["status"] == "scheduled"
    assert classroom["url"] == f"https://localhost/sessions/{programme['NEG1']}"
    assert online["venue"] == "online"
    assert online["time_of_day"] == "twilight"
    assert online["places_left"] == 0
    assert listed["DA2"]["places_left"] == 15


def test_a_course_shows_its_outcomes_prerequisite_and_upcoming_sessions(
    client, programme, make_course_session
):
    with client.application.app_context():
        exploitation = db.session.scalar(db.select(Course.id).where(Course.code == "EXP3"))
    make_course_session(exploitation, dates=one_day(uk(2027, 12, 6)), virtual=True)
    make_course_session(exploitation, dates=one_day(uk(2027, 12, 7)), status="cancelled")
    listed = {item["code"]: item for item in client.get("/api/v1/courses").json["courses"]}
    course = listed["EXP3"]
    assert course["title"] == "Exploitation in depth"
    assert course["summary"] == "What practitioners need to know."
    assert course["learning_outcomes"] == ["Recognise the signs", "Know how to refer"]
    assert course["cpd_hours"] == 3.0
    assert course["approval_required"] is True
    assert course["prerequisite"] == "NEG1"
    assert course["certificate_validity_months"] == 36
    assert course["upcoming_sessions"] == 2
    assert course["url"] == "https://localhost/courses/EXP3"
    assert listed["NEG1"]["prerequisite"] is None
    assert listed["NEG1"]["certificate_validity_months"] is None
    assert listed["NEG1"]["upcoming_sessions"] == 1


def test_dates_are_uk_time_with_the_offset_either_side_of_the_clock_change(
    client, make_course, make_course_session
):
    course = make_course(code="DST1")
    make_course_session(course, dates=one_day(uk(2027, 3, 29)))
    make_course_session(course, dates=one_day(uk(2027, 11, 1)))
    # Two days either side of the change on Sunday 28 March 2027.
    make_course_session(course, dates=one_day(uk(2027, 3, 26)) + one_day(uk(2027, 3, 30)))
    sessions = client.get("/api/v1/sessions").json["sessions"]
    assert [session["dates"] for session in sessions] == [
        [
            {"starts_at": "2027-03-26T09:30:00+00:00", "ends_at": "2027-03-26T16:30:00+00:00"},
            {"starts_at": "2027-03-30T09:30:00+01:00", "ends_at": "2027-03-30T16:30:00+01:00"},
        ],
        [{"starts_at": "2027-03-29T09:30:00+01:00", "ends_at": "2027-03-29T16:30:00+01:00"}],
        [{"starts_at": "2027-11-01T09:30:00+00:00", "ends_at": "2027-11-01T16:30:00+00:00"}],
    ]


def test_joining_links_and_instructions_never_appear(client, programme):
    for path in ["/api/v1/sessions", "/api/v1/courses", "/api/v1/openapi.json"]:
        body = client.get(path).get_data(as_text=True)
        assert JOIN_LINK not in body
        assert "teams.example" not in body
        assert "secret code" not in body
        assert "join_link" not in body and "joining_instructions" not in body
    assert "EXP3" in client.get("/api/v1/sessions").get_data(as_text=True)


def test_drafts_and_cancelled_past_or_completed_sessions_are_not_listed(
    client, make_course, make_course_session
):
    live = make_course("Live course", code="LIVE")
    make_course_session(live, dates=one_day(uk(2027, 4, 5)))
    make_course_session(live, dates=one_day(uk(2027, 4, 6)), status="cancelled")
    make_course_session(live, dates=one_day(uk(2026, 11, 2)))
    make_course_session(live, dates=one_day(uk(2026, 11, 3)), status="completed")
    make_course_session(make_course(code="DRAFT", status="draft"), dates=one_day(uk(2027, 4, 7)))
    make_course_session(make_course(code="OLD", status="archived"), dates=one_day(uk(2027, 4, 8)))
    sessions = client.get("/api/v1/sessions").json
    assert codes(client.get("/api/v1/sessions")) == ["LIVE"] and sessions["total"] == 1
    courses = client.get("/api/v1/courses").json
    assert [course["code"] for course in courses["courses"]] == ["LIVE"]
    assert courses["courses"][0]["upcoming_sessions"] == 1
    assert courses["total"] == 1


def test_a_session_that_started_a_minute_ago_is_no_longer_listed(
    client, make_course, make_course_session
):
    course = make_course(code="SOON")
    make_course_session(course, dates=one_day(NOW - timedelta(minutes=1)))
    make_course_session(course, dates=one_day(NOW + timedelta(minutes=1)))
    sessions = client.get("/api/v1/sessions").json["sessions"]
    assert len(sessions) == 1
    assert sessions[0]["dates"][0]["starts_at"] == "2027-01-15T12:01:00+00:00"


# Filters and pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["DA2", "NEG1", "EXP3"]),
        ("theme=neglect", ["NEG1"]),
        ("theme=exploitation", ["EXP3"]),
        ("level=3", ["EXP3"]),
        ("level=4", []),
        ("delivery_mode=virtual", ["EXP3"]),
        ("delivery_mode=blended", ["DA2"]),
        ("audience=children", ["DA2", "NEG1"]),
        ("audience=adults", ["DA2", "EXP3"]),
        ("audience=both", ["DA2"]),
        ("month=2027-03", ["NEG1"]),
        ("month=2027-11", ["EXP3"]),
        ("month=2027-05", []),
        ("time_of_day=twilight", ["EXP3"]),
        ("time_of_day=daytime", ["DA2", "NEG1"]),
        ("places_available=true", ["DA2", "NEG1"]),
        ("places_available=false", ["DA2", "NEG1", "EXP3"]),
        ("level=1&theme=neglect&month=2027-03&places_available=true", ["NEG1"]),
        ("level=1&theme=exploitation", []),
        ("level=", ["DA2", "NEG1", "EXP3"]),
    ],
)
def test_session_filters(client, programme, query, expected):
    response = client.get(f"/api/v1/sessions?{query}")
    assert response.status_code == 200
    assert codes(response) == expected
    assert response.json["total"] == len(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["DA2", "EXP3", "NEG1"]),
        ("theme=neglect", ["NEG1"]),
        ("level=3", ["EXP3"]),
        ("delivery_mode=classroom", ["NEG1"]),
        ("audience=children", ["DA2", "NEG1"]),
        ("audience=both", ["DA2"]),
    ],
)
def test_course_filters(client, programme, query, expected):
    response = client.get(f"/api/v1/courses?{query}")
    assert response.status_code == 200
    assert [course["code"] for course in response.json["courses"]] == expected
    assert response.json["total"] == len(expected)


def test_month_is_the_uk_calendar_month(client, make_course, make_course_session):
    # 00:30 on 1 April UK time is 23:30 on 31 March in UTC.
    make_course_session(make_course(code="APR"), dates=one_day(uk(2027, 4, 1, 0, 30), hours=1))
    assert codes(client.get("/api/v1/sessions?month=2027-04")) == ["APR"]
    assert codes(client.get("/api/v1/sessions?month=2027-03")) == []


def test_pages_split_the_list_soonest_first(client, make_course, make_course_session):
    course = make_course(code="PAGE")
    created = [
        make_course_session(course, dates=one_day(uk(2027, 2, day))) for day in (5, 1, 4, 2, 3)
    ]
    soonest_first = [created[i] for i in (1, 3, 4, 2, 0)]

    def ids(page):
        response = client.get(f"/api/v1/sessions?per_page=2&page={page}")
        assert response.json["total"] == 5
        assert (response.json["page"], response.json["per_page"]) == (page, 2)
        return [session["id"] for session in response.json["sessions"]]

    assert ids(1) + ids(2) + ids(3) == soonest_first
    assert ids(4) == []
    default = client.get("/api/v1/sessions").json
    assert (default["page"], default["per_page"], len(default["sessions"])) == (1, 50, 5)


def test_courses_are_paged_by_title(client, make_course):
    for title in ["Charlie", "Alpha", "Bravo"]:
        make_course(title)
    first = client.get("/api/v1/courses?per_page=2").json
    second = client.get("/api/v1/courses?per_page=2&page=2").json
    assert [course["title"] for course in first["courses"]] == ["Alpha", "Bravo"]
    assert [course["title"] for course in second["courses"]] == ["Charlie"]
    assert first["total"] == second["total"] == 3


# Errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/sessions", "level=5", "level must be one of: 1, 2, 3, 4 (you gave '5')"),
        ("/sessions", "level=one", "level must be one of: 1, 2, 3, 4"),
        ("/courses", "level=0", "level must be one of: 1, 2, 3, 4"),
        (
            "/sessions",
            "delivery_mode=carrier-pigeon",
            "delivery_mode must be one of: classroom, virtual, elearning, blended",
        ),
        ("/courses", "audience=everyone", "audience must be one of: children, adults, both"),
        ("/sessions", "theme=knitting", "theme must be the slug of a theme, one of: neglect"),
        ("/sessions", "month=2027-13", "month must be a year and month as YYYY-MM"),
        ("/sessions", "month=March", "month must be a year and month as YYYY-MM"),
        ("/sessions", "month=9999-12", "month must be a year and month as YYYY-MM"),
        ("/sessions", "time_of_day=evening", "time_of_day must be one of: daytime, twilight"),
        ("/sessions", "places_available=yes", "places_available must be one of: true, false"),
        ("/sessions", "page=0", "page must be a whole number from 1 to 10000"),
        ("/sessions", "page=-1", "page must be a whole number from 1 to 10000"),
        ("/courses", "page=99999999999999999999", "page must be a whole number from 1 to 10000"),
        ("/sessions", "per_page=101", "per_page must be a whole number from 1 to 100"),
        ("/courses", "per_page=1.5", "per_page must be a whole number from 1 to 100"),
        ("/sessions", "level=1&level=2", "Give level only once"),
        ("/sessions", "sort=title", "Unknown parameter 'sort'. This endpoint accepts: theme,"),
        ("/courses", "month=2027-03", "Unknown parameter 'month'"),
        ("/courses", "places_available=true", "Unknown parameter 'places_available'"),
    ],
)
def test_invalid_parameters_answer_400_with_a_json_message(
    client, make_theme, path, query, message
):
    make_theme("Neglect")
    document = client.get("/api/v1/openapi.json").json
    response = client.get(f"/api/v1{path}?{query}")
    assert_matches(document, path, 400, response)
    assert message in response.json["error"]
    assert "public" not in response.headers.get("Cache-Control", "")


# The document and the answers agree -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sessions", "/courses"])
def test_an_empty_theme_is_left_out_by_the_document_and_the_answers(
    client, programme, document, path
):
    assert admits(document, path, "theme", "")
    everything = client.get(f"/api/v1{path}")
    emptied = client.get(f"/api/v1{path}?theme=")
    assert emptied.status_code == 200 and emptied.json == everything.json
    # Anything else that is not a slug is refused by both, spaces included.
    assert not admits(document, path, "theme", " ")
    assert client.get(f"/api/v1{path}?theme=%20neglect").status_code == 400


@pytest.mark.parametrize("path", ["/sessions", "/courses"])
def test_a_theme_is_one_of_the_slugs_the_document_lists(client, programme, document, path):
    assert parameter(document, path, "theme")["schema"]["enum"] == ["exploitation", "neglect"]
    for slug in ("exploitation", "neglect"):
        assert client.get(f"/api/v1{path}", query_string={"theme": slug}).status_code == 200
    assert not admits(document, path, "theme", "0")
    refused = client.get(f"/api/v1{path}?theme=0")
    assert_matches(document, path, 400, refused)
    assert (
        "theme must be the slug of a theme, one of: exploitation, neglect"
        in (refused.json["error"])
    )


@pytest.mark.parametrize(
    ("name", "value", "status"),
    [
        ("month", "2027-03", 200),
        ("month", "9999-12", 400),
        ("month", "0000-01", 400),
        ("month", "", 200),
        ("level", "", 200),
        ("level", " 1", 400),
        ("places_available", "", 200),
        ("page", "", 200),
        ("page", "10001", 400),
        ("per_page", "100", 200),
    ],
)
def test_the_document_admits_exactly_what_the_answers_accept(
    client, programme, document, name, value, status
):
    response = client.get("/api/v1/sessions", query_string={name: value})
    assert_matches(document, "/sessions", status, response)
    assert admits(document, "/sessions", name, value) == (status == 200)


def test_unknown_addresses_and_methods_under_the_api_answer_in_json(client, document):
    missing = client.get("/api/v1/trainers")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    validator(document, {"$ref": "#/components/schemas/Error"}).validate(missing.json)
    assert "https://localhost/api/v1/openapi.json" in missing.json["error"]
    assert client.get("/api/v1").mimetype == "application/json"
    refused = client.post("/api/v1/sessions")
    assert refused.status_code == 405 and refused.mimetype == "application/json"
    assert "GET" in refused.headers["Allow"]
    elsewhere = client.get("/no-such-page")
    assert elsewhere.status_code == 404 and elsewhere.mimetype == "text/html"


# Queries ---------------------------------------------------------------------------------------


def statements_for(app, client, path):
    client.get(path)  # warm up: the first request may open the connection
    with counting_statements(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_listing_sessions_takes_the_same_queries_for_3_or_30(
    app, client, make_theme, make_course, make_course_session
):
    theme = make_theme("Neglect")

    def add_sessions(number):
        for _ in range(number):
            course = make_course(theme_ids=[theme])
            make_course_session(course, dates=one_day(uk(2027, 3, 1)))
            make_course_session(course, dates=one_day(uk(2027, 3, 2)), virtual=True)

    add_sessions(3)
    few = statements_for(app, client, "/api/v1/sessions")
    add_sessions(27)
    many = statements_for(app, client, "/api/v1/sessions")
    assert len(client.get("/api/v1/sessions").json["sessions"]) == 50
    assert few == many
    assert many <= 6


def test_listing_courses_takes_the_same_queries_for_3_or_30(
    app, client, make_theme, make_course, make_course_session
):
    theme = make_theme("Neglect")

    def add_courses(number):
        for _ in range(number):
            course = make_course(theme_ids=[theme])
            make_course_session(course, dates=one_day(uk(2027, 3, 1)))
            # A prerequisite of its own, not on the page, so a lazy load would show.
            prerequisite = make_course(status="draft")
            with app.app_context():
                db.session.get(Course, course).prerequisite_id = prerequisite
                db.session.commit()

    add_courses(3)
    few = statements_for(app, client, "/api/v1/courses")
    add_courses(27)
    many = statements_for(app, client, "/api/v1/courses")
    listed = client.get("/api/v1/courses").json["courses"]
    assert len(listed) == 30 and all(course["prerequisite"] for course in listed)
    assert few == many
    assert many <= 4
