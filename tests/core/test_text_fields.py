"""Control characters are cleaned at the boundary: every form's text fields, and the services
that store names and titles whatever their source (forms, walk-ins, imports)."""

import importlib
import pkgutil
from decimal import Decimal

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import lms
from lms.core.forms import AppForm
from lms.core.text import multi_line, secret, single_line
from lms.extensions import db

BREAKERS = "\r\n\t\x00\x07\x1b\x7f\x85\u2028\u2029"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Amina Patel", "Amina Patel"),
        ("Amina\r\nPatel", "Amina Patel"),
        ("Amina\nBcc: x@evil.example", "Amina Bcc: x@evil.example"),
        ("Zoë\u2028李\u2029O'Brien", "Zoë 李 O'Brien"),
        (f"\n{BREAKERS}Amina{BREAKERS}Patel{BREAKERS}", "Amina Patel"),
        (None, None),
    ],
)
def test_one_line_text_loses_every_control_character(raw, clean):
    assert single_line(raw) == clean


def test_multi_line_text_keeps_line_breaks_and_tabs_only():
    assert multi_line("One\r\nTwo\rThree\u2028Four\tfive\x00\x07\x1b\x9b.") == (
        "One\nTwo\nThree\nFour\tfive."
    )


def test_a_password_loses_control_characters_and_nothing_else():
    assert secret("  pass\x00word\r\n ") == "  password "


def all_forms() -> set[type]:
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        importlib.import_module(module.name)
    found, stack = set(), [FlaskForm]
    while stack:
        for subclass in stack.pop().__subclasses__():
            stack.append(subclass)
            if subclass.__module__.startswith("lms.") and subclass.__module__ != "lms.core.forms":
                found.add(subclass)
    return found


def test_every_form_in_the_service_cleans_its_text():
    forms = all_forms()
    assert len(forms) >= 20
    assert [form.__name__ for form in forms if not issubclass(form, AppForm)] == []


def test_a_one_line_field_and_a_text_area_are_cleaned_by_the_form(app):
    from lms.accounts.forms import RegistrationForm, SignInForm
    from lms.bookings.forms import ReasonForm

    with app.test_request_context(method="POST"):
        form = RegistrationForm(
            formdata=MultiDict({"name": "Amina\r\nPatel", "job_title": "Social\x00 worker\u2028"})
        )
        assert (form.name.data, form.job_title.data) == ("Amina Patel", "Social worker")
        reason = ReasonForm(formdata=MultiDict({"reason": "First line\r\nSecond\x07 line"}))
        assert reason.reason.data == "First line\nSecond line"
        sign_in = SignInForm(formdata=MultiDict({"password": " secret\r\n"}))
        assert sign_in.password.data == " secret"


def test_registration_stores_a_name_without_its_line_break(client, make_agency, app):
    from lms.accounts.models import User
    from tests.conftest import post_form

    agency = make_agency()
    post_form(
        client,
        "/register",
        {
            "name": "Amina\r\nPatel",
            "email": "amina@example.org",
            "job_title": "Health\nvisitor",
            "agency_id": str(agency),
            "password": "a long and unusual passphrase 42",
            "confirm_password": "a long and unusual passphrase 42",
        },
    )
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "amina@example.org"))
        assert user is not None
        assert (user.name, user.job_title) == ("Amina Patel", "Health visitor")


def test_services_clean_names_and_titles_that_do_not_come_from_a_form(app, make_agency, make_user):
    from lms.accounts.models import Role, User
    from lms.accounts.services import PersonDetails, create_user
    from lms.catalogue.models import Audience, DeliveryMode
    from lms.catalogue.services import CourseDetails, save_course
    from lms.core.models import utcnow

    agency = make_agency()
    admin = make_user(roles=(Role.ADMIN,))
    with app.app_context():
        user = create_user(
            PersonDetails("Kwame\x1b\r\nMensah", "kwame@example.org", "Nurse\x07", agency),
            password=None,
            roles={Role.PRACTITIONER},
            now=utcnow(),
        )
        course = save_course(
            None,
            CourseDetails(
                code="SCP-1",
                title="Neglect\u2028and\x00 the\x85home",
                summary="Summary",
                learning_outcomes="",
                level=1,
                delivery_mode=DeliveryMode.CLASSROOM,
                audience=Audience.CHILDREN,
                cpd_hours=Decimal("3"),
                provider_id=None,
            ),
            by=db.session.get(User, admin.id),
        )
        assert (user.name, user.job_title) == ("Kwame Mensah", "Nurse")
        assert course.title == "Neglect and the home"


def test_a_reason_loses_its_control_characters_whatever_form_it_came_from():
    from lms.core.errors import DomainError, required_text

    assert required_text("No\x07 show\x1b[31m\r\n agreed\x7f", "Enter a reason") == (
        "No show [31m agreed"
    )
    try:
        required_text("\x07\x1b \x00", "Enter a reason")
    except DomainError as error:
        assert error.message == "Enter a reason"
    else:
        raise AssertionError("a reason of control characters only was accepted")
