"""'Your training' shows the training a person's role needs: each requirement's status, until
when, the training it rests on, and the courses that would satisfy what is not met or due."""

import re
from datetime import timedelta

from tests.compliance.pages_helpers import attended, long, months_ago, today, valid_until


def _section(page: str) -> str:
    assert 'id="role-training"' in page
    return page.split('id="role-training"')[1].split('<h2 class="govuk-heading-l">Coming up')[0]


def _card(section: str, requirement_id: int) -> str:
    return section.split(f'id="requirement-{requirement_id}"')[1].split('govuk-summary-card"')[0]


def test_each_requirement_shows_its_status_validity_evidence_and_courses(
    client,
    login,
    make_user,
    make_course,
    make_course_session,
    make_completed_booking,
    make_requirement,
):
    person = make_user(job_title="Designated safeguarding lead")
    refresher = make_course("DSL refresher", level=3)
    basics = make_course("Safeguarding basics", level=1)
    induction = make_course("Induction", level=1)
    next_session = make_course_session(refresher)  # a month ahead, open for booking
    compliant = make_requirement("Basics", course_ids=[basics], renew_months=36)
    due = make_requirement("DSL refresher every two years", course_ids=[refresher], renew_months=24)
    overdue = make_requirement("Induction yearly", course_ids=[induction], renew_months=12)
    level_three = make_requirement("Level 3 training", satisfied_by="level", level=3)
    basics_day, refresher_day, induction_day = months_ago(2), months_ago(23), months_ago(14)
    attended(make_course_session, make_completed_booking, person.id, basics, basics_day)
    attended(make_course_session, make_completed_booking, person.id, refresher, refresher_day)
    attended(make_course_session, make_completed_booking, person.id, induction, induction_day)
    login(person)

    section = _section(client.get("/my-training").get_data(as_text=True))

    card = _card(section, compliant)
    assert "govuk-tag--green" in card and "Compliant" in card
    assert f"Valid until {long(valid_until(basics_day, 36))}" in card
    assert f"Safeguarding basics, {long(basics_day)}" in card
    assert "Training that would count" not in card

    card = _card(section, due)
    assert "govuk-tag--yellow" in card and "Due soon" in card
    assert f"Valid until {long(valid_until(refresher_day, 24))}" in card
    assert f'href="/courses/{_code(card)}"' in card and "DSL refresher</a>" in card
    assert f'href="/sessions/{next_session}"' in card

    card = _card(section, overdue)
    assert "govuk-tag--red" in card and "Overdue" in card
    assert f"Ran out after {long(valid_until(induction_day, 12))}" in card
    assert "Induction</a>" in card

    card = _card(section, level_three)  # the level 3 refresher counts, and is never renewed
    assert "Compliant" in card and "Does not need renewing" in card
    assert f"DSL refresher, {long(refresher_day)}" in card
    assert "Training that would count" not in card


def _code(card: str) -> str:
    return re.search(r'href="/courses/([^"]+)"', card).group(1)


def test_never_done_is_grey_and_lists_the_courses_at_its_level_on_its_themes(
    client, login, make_user, make_course, make_module, make_theme, make_requirement
):
    person = make_user()
    neglect, other = make_theme("Neglect"), make_theme("Exploitation")
    requirement = make_requirement(
        "Level 3 on neglect", satisfied_by="level", level=3, theme_ids=[neglect]
    )
    make_course("Neglect in depth", level=3, theme_ids=[neglect])
    make_module("Neglect online", level=4, theme_ids=[neglect])
    make_course("Neglect basics", level=2, theme_ids=[neglect])
    make_course("Exploitation in depth", level=3, theme_ids=[other])
    make_course("Neglect draft", level=3, theme_ids=[neglect], status="draft")
    login(person)

    card = _card(_section(client.get("/my-training").get_data(as_text=True)), requirement)
    assert "govuk-tag--grey" in card and "Never done" in card and "None yet" in card
    assert "Neglect in depth</a>: no dates open for booking yet" in card
    assert "Neglect online</a> (e-learning)" in card
    for absent in ("Neglect basics", "Exploitation in depth", "Neglect draft"):
        assert absent not in card


def test_an_hours_requirement_shows_the_hours_done_since_the_window_began(
    client, login, make_user, make_module, make_completion, make_requirement
):
    person = make_user()
    requirement = make_requirement(
        "Level 3: 6 hours in 3 years", satisfied_by="hours", level=3, hours=6, within_years=3
    )
    module = make_module("Level 3 part one", level=3)  # 3 hours
    make_completion(person.id, module, today() - timedelta(days=40))
    login(person)

    card = _card(_section(client.get("/my-training").get_data(as_text=True)), requirement)
    since = months_ago(36) + timedelta(days=1)
    assert f"3 of 6 hours since {long(since)}" in card
    assert "Overdue" in card and "Level 3 part one</a> (e-learning)" in card


def test_nothing_is_shown_when_no_requirement_applies(client, login, make_user, make_requirement):
    make_requirement("Schools only", sectors=["education"])
    person = make_user()  # in a health agency
    login(person)
    page = client.get("/my-training").get_data(as_text=True)
    assert "Training your role needs" not in page


def test_the_courses_that_would_satisfy_each_kind_with_their_next_bookable_session(
    app, make_course, make_module, make_course_session, make_requirement
):
    from datetime import UTC, datetime

    from lms.catalogue.models import CourseSession
    from lms.compliance import satisfying, status
    from lms.core.models import utcnow
    from lms.extensions import db

    level_two = make_course("Level 2 course", level=2)
    level_three = make_course("Level 3 course", level=3)
    module = make_module("Level 4 module", level=4)
    make_course("Level 3 draft", level=3, status="draft")
    named = make_requirement("Named", course_ids=[level_two, module])
    hours = make_requirement("Hours", satisfied_by="hours", level=3, hours=6, within_years=3)

    def day(offset):
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=offset)
        return [(start, start + timedelta(hours=7))]

    closed = make_course_session(level_three, dates=day(5))
    make_course_session(level_three, dates=day(6), status="cancelled")
    bookable = make_course_session(level_three, dates=day(20))
    make_course_session(level_three, dates=day(40))
    with app.app_context():
        db.session.get(CourseSession, closed).booking_closes_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        found = satisfying.options_for(status.rules(), now=utcnow())

    assert [option.title for option in found[named]] == ["Level 2 course", "Level 4 module"]
    assert [option.title for option in found[hours]] == ["Level 3 course", "Level 4 module"]
    [course, elearning] = found[hours]
    assert course.session_id == bookable and elearning.session_id is None
