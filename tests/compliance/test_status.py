"""Compliance derived from training: each kind of requirement, renewal, the due window, hours
in a rolling window, and who a requirement applies to."""

from datetime import date, timedelta
from decimal import Decimal

from lms.compliance import status
from lms.compliance.status import State
from lms.extensions import db
from tests.conftest import uk


def _statuses(app, user_id, today):
    with app.app_context():
        from lms.accounts.models import User

        return status.for_person(db.session.get(User, user_id), today=today, due_months=3)


def _session(make_course_session, course_id, day):
    start = uk(day.year, day.month, day.day)
    return make_course_session(
        course_id, dates=[(start, start + timedelta(hours=7))], status="completed"
    )


def test_a_course_requirement_runs_out_after_its_renewal_and_is_due_three_months_before(
    app, make_user, make_course, make_course_session, make_completed_booking, make_requirement
):
    person = make_user(joined=uk(2020, 1, 1))
    course = make_course("DSL refresher")
    make_requirement("DSL refresher", course_ids=[course], renew_months=24)
    make_completed_booking(person.id, _session(make_course_session, course, date(2024, 6, 3)))

    [found] = _statuses(app, person.id, date(2025, 6, 3))
    assert found.state is State.COMPLIANT
    assert found.valid_until == date(2026, 6, 2)
    assert [item.title for item in found.evidence] == ["DSL refresher"]
    assert _statuses(app, person.id, date(2026, 3, 2))[0].state is State.COMPLIANT
    assert _statuses(app, person.id, date(2026, 3, 3))[0].state is State.DUE
    assert _statuses(app, person.id, date(2026, 6, 2))[0].state is State.DUE
    assert _statuses(app, person.id, date(2026, 6, 3))[0].state is State.OVERDUE
    # Before the course it was never done.
    assert _statuses(app, person.id, date(2024, 6, 2))[0].state is State.NEVER


def test_a_level_requirement_counts_training_at_or_above_its_level_on_its_themes(
    app, make_user, make_course, make_module, make_completion, make_theme, make_requirement
):
    person = make_user(joined=uk(2020, 1, 1))
    neglect, exploitation = make_theme("Neglect"), make_theme("Exploitation")
    make_requirement("Level 3 on neglect", satisfied_by="level", level=3, theme_ids=[neglect])
    low = make_module("Neglect basics", level=2, theme_ids=[neglect])
    other = make_module("Exploitation in depth", level=3, theme_ids=[exploitation])
    make_completion(person.id, low, date(2025, 5, 1))
    make_completion(person.id, other, date(2025, 5, 2))
    assert _statuses(app, person.id, date(2025, 6, 1))[0].state is State.NEVER

    good = make_module("Neglect in depth", level=4, theme_ids=[neglect])
    make_completion(person.id, good, date(2025, 5, 3))
    [found] = _statuses(app, person.id, date(2025, 6, 1))
    assert found.state is State.COMPLIANT and found.valid_until is None


def test_an_hours_requirement_adds_the_hours_within_its_window(
    app, make_user, make_module, make_completion, make_requirement
):
    person = make_user(joined=uk(2020, 1, 1))
    make_requirement(
        "Level 3: 6 hours in 3 years", satisfied_by="hours", level=3, hours=6, within_years=3
    )
    first = make_module("Level 3 part one", level=3)  # 3 hours each
    second = make_module("Level 3 part two", level=3)
    make_completion(person.id, first, date(2023, 1, 10))
    [found] = _statuses(app, person.id, date(2024, 1, 1))
    assert found.state is State.OVERDUE and found.hours_done == Decimal("3.0")

    make_completion(person.id, second, date(2024, 2, 1))
    [found] = _statuses(app, person.id, date(2024, 3, 1))
    assert found.state is State.COMPLIANT
    # The older training falls out of the window after 10 January 2026.
    assert found.valid_until == date(2026, 1, 9)
    assert _statuses(app, person.id, date(2026, 1, 10))[0].state is State.OVERDUE


def test_a_requirement_applies_by_sector_job_title_and_role_tag(
    app, make_user, make_agency, make_requirement, make_role_tag, tag_person
):
    from lms.accounts.models import Sector

    school = make_agency("A school", sector=Sector.EDUCATION)
    teacher, dsl = make_user(agency_id=school), make_user(agency_id=school)
    nurse = make_user()
    lead = make_role_tag()
    tag_person(dsl.id, lead)
    make_requirement("Everyone in schools", sectors=["education"])
    make_requirement("DSLs", sectors=["education"], tag_ids=[lead])
    make_requirement("Health visitors", job_titles=["health VISITOR"], sectors=["health"])

    def names(person):
        return sorted(found.rule.name for found in _statuses(app, person.id, date.today()))

    assert names(teacher) == ["Everyone in schools"]
    assert names(dsl) == ["DSLs", "Everyone in schools"]
    assert names(nurse) == ["Health visitors"]


def test_everyone_s_compliance_is_worked_out_again_once_something_is_committed(
    app, make_user, make_module, make_requirement
):
    from lms.elearning.models import Completion, CompletionSource

    person = make_user(joined=uk(2020, 1, 1))
    module = make_module("Level 2 module", level=2)
    make_requirement("Level 2", satisfied_by="level", level=2)
    with app.app_context():
        [before] = status.for_everyone(on=date(2025, 6, 1), due_months=3)
        assert status.for_everyone(on=date(2025, 6, 1), due_months=3)[0] is before
        assert before.state is State.NEVER
        db.session.add(
            Completion(
                user_id=person.id,
                course_id=module,
                agency_id=person.agency_id,
                completed_on=date(2025, 5, 1),
                source=CompletionSource.IMPORT,
            )
        )
        db.session.commit()
        [after] = status.for_everyone(on=date(2025, 6, 1), due_months=3)
    assert after.state is State.COMPLIANT
