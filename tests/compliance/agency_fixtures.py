"""A school with a coordinator and four staff at each status of one requirement, for the
compliance table's and chasing's tests."""

from dataclasses import dataclass

import pytest

from lms.accounts.models import Role, Sector
from tests.compliance.pages_helpers import attended, months_ago


@dataclass
class School:
    agency: int
    coordinator: object
    compliant: object
    due: object
    overdue: object
    never: object
    refresher: int  # the course
    requirement: int
    session: int  # the refresher's next session


@pytest.fixture
def school(
    make_agency,
    make_user,
    make_course,
    make_course_session,
    make_completed_booking,
    make_requirement,
):
    agency = make_agency("Riverside Primary", sector=Sector.EDUCATION)
    coordinator = make_user(
        name="Cleo Coordinator", roles=(Role.COORDINATOR,), agency_id=agency, job_title="Head"
    )
    staff = {
        name: make_user(name=name, agency_id=agency, job_title=title)
        for name, title in [
            ("Ada Compliant", "Teacher"),
            ("Ben Due", "Deputy head"),
            ("Cara Overdue", "Teaching assistant"),
            ("Dan Never", "Teacher"),
        ]
    }
    refresher = make_course("DSL refresher", level=3)
    session = make_course_session(refresher)
    requirement = make_requirement(
        "School staff refresher", course_ids=[refresher], renew_months=24, sectors=["education"]
    )
    for name, months in [("Ada Compliant", 2), ("Ben Due", 23), ("Cara Overdue", 30)]:
        attended(
            make_course_session,
            make_completed_booking,
            staff[name].id,
            refresher,
            months_ago(months),
        )
    # The coordinator has done it too, so every row but theirs is one of the four staff.
    attended(make_course_session, make_completed_booking, coordinator.id, refresher, months_ago(1))
    return School(
        agency,
        coordinator,
        staff["Ada Compliant"],
        staff["Ben Due"],
        staff["Cara Overdue"],
        staff["Dan Never"],
        refresher,
        requirement,
        session,
    )
