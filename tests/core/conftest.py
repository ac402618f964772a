"""Fixtures for the whole-app checks: objects to fill in every route's address."""

import pytest

ARGUMENTS = {
    "agency_id": "{agency}",
    "user_id": "{user}",
    "token": "{token}",
    "code": "{code}",
    "session_id": "{session}",
    "course_id": "{course}",
    "kind": "{kind}",
    "row_id": "{row}",
}


@pytest.fixture
def route_objects(make_agency, make_user, make_course, make_course_session, make_venue):
    """One of each thing a route can name, for filling in its address."""
    agency = make_agency()
    course = make_course(code="SCP-ROUTE")
    return {
        "agency": agency,
        "user": make_user(agency_id=agency).id,
        "token": "not-a-token",
        "code": "SCP-ROUTE",
        "course": course,
        "session": make_course_session(course),
        "kind": "venues",
        "row": make_venue(),
    }
