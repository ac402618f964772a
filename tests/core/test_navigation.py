"""The service navigation: one row at 1280 pixels for every role, even someone holding them all;
an area with several pages lists them under it; exactly one item is highlighted."""

import re

import pytest

from lms.accounts.models import Role

# At 1280 pixels GOV.UK's width container is 960 pixels wide and the service name sits on its own
# line above the navigation, so the items share 960 pixels, 30 pixels apart. They are set in
# 19px Arial: measured in Chromium, the labels this navigation has had average 9.25 pixels a
# character (the widest, "Charges", 10.3), so 10 pixels a character over a whole row is a safe
# upper bound. The browser tests check the real row.
ROW_WIDTH = 960
ITEM_GAP = 30
CHARACTER_WIDTH = 10

ROLE_SETS = {
    "practitioner": (Role.PRACTITIONER,),
    "trainer": (Role.PRACTITIONER, Role.TRAINER),
    "coordinator": (Role.PRACTITIONER, Role.COORDINATOR),
    "pdl viewer": (Role.PDL_VIEWER,),
    "admin": (Role.ADMIN,),
    "every role": tuple(Role),
}


def service_navigation(page: str) -> list[tuple[str, str]]:
    """The (label, state) of each entry of the service navigation row, sign-out included;
    state is "page" or "true" (aria-current) for the highlighted item, "" for the others."""
    row = page.split('<ul class="govuk-service-navigation__list"', 1)[1].split("</ul>", 1)[0]
    entries = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", row, re.S):
        label = " ".join(re.sub(r"<[^>]+>", " ", item).split())
        current = re.search(r'aria-current="(\w+)"', item)
        entries.append((label, current.group(1) if current else ""))
    return entries


def section_navigation(page: str) -> tuple[str, list[tuple[str, bool]]] | None:
    match = re.search(
        r'<nav class="app-section-navigation" aria-label="([^"]+)">(.*?)</nav>', page, re.S
    )
    if not match:
        return None
    link = r'<a class="[^"]*"\s+href="[^"]*"( aria-current="page")?>([^<]+)</a>'
    links = re.findall(link, match[2])
    return match[1], [(text, bool(current)) for current, text in links]


def estimated_width(labels: list[str]) -> int:
    return CHARACTER_WIDTH * sum(len(label) for label in labels) + ITEM_GAP * (len(labels) - 1)


@pytest.mark.parametrize("roles", ROLE_SETS.values(), ids=ROLE_SETS.keys())
def test_every_roles_navigation_fits_one_row_at_1280_pixels(client, make_user, login, roles):
    login(make_user(roles=roles))
    labels = [label for label, _ in service_navigation(client.get("/").get_data(as_text=True))]
    assert labels[0] == "Find training" and labels[-2:] == ["Account", "Sign out"]
    assert "Home" not in labels  # the service name links home
    assert estimated_width(labels) <= ROW_WIDTH, labels


def test_someone_with_every_role_sees_one_entry_per_area(client, make_user, login):
    login(make_user(roles=tuple(Role)))
    labels = [label for label, _ in service_navigation(client.get("/").get_data(as_text=True))]
    assert labels == [
        "Find training",
        "Your training",
        "Teaching",
        "Your agency",
        "Reports",
        "Admin",
        "Account",
        "Sign out",
    ]


def test_anonymous_navigation_leads_with_find_training(client):
    labels = service_navigation(client.get("/").get_data(as_text=True))
    assert labels == [("Find training", ""), ("Create an account", ""), ("Sign in", "")]
    assert service_navigation(client.get("/training").get_data(as_text=True))[0] == (
        "Find training",
        "page",
    )


@pytest.mark.parametrize(
    ("path", "item", "state", "section"),
    [
        ("/training", "Find training", "page", None),
        ("/courses", "Find training", "true", None),
        ("/my-training", "Your training", "page", None),
        ("/trainer/sessions", "Teaching", "page", None),
        ("/agency/bookings", "Your agency", "page", ("Your agency", "Bookings")),
        ("/agency/staff", "Your agency", "true", ("Your agency", "Staff")),
        ("/agency/charges", "Your agency", "true", ("Your agency", "Charges")),
        ("/reports", "Reports", "page", None),
        ("/registrations", "Reports", "true", None),
        ("/admin/courses", "Admin", "page", ("Admin", "Courses")),
        ("/admin/courses/new", "Admin", "true", ("Admin", "Courses")),
        ("/admin/sessions", "Admin", "true", ("Admin", "Sessions")),
        ("/admin/reference", "Admin", "true", ("Admin", "Themes, providers and venues")),
        ("/admin/agencies", "Admin", "true", ("Admin", "Agencies")),
        ("/admin/users", "Admin", "true", ("Admin", "People")),
        ("/admin/charges", "Admin", "true", ("Admin", "Charges")),
        ("/admin/attendance-decisions", "Admin", "true", ("Admin", "Attendance")),
        ("/admin/settings", "Admin", "true", ("Admin", "Settings")),
        ("/admin/evaluation", "Admin", "true", ("Admin", "Evaluation questions")),
        ("/admin/evaluation/after", "Admin", "true", ("Admin", "Evaluation questions")),
        ("/account", "Account", "page", None),
    ],
)
def test_the_area_open_is_the_one_item_highlighted(
    client, make_user, login, path, item, state, section
):
    login(make_user(roles=tuple(Role)))
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    highlighted = [(label, current) for label, current in service_navigation(page) if current]
    assert highlighted == [(item, state)]
    sub = section_navigation(page)
    if section is None:
        assert sub is None
    else:
        label, links = sub
        assert label == section[0]
        assert [text for text, current in links if current] == [section[1]]


def test_a_coordinator_reaches_each_agency_page_from_the_section(client, make_user, login):
    login(make_user(roles=(Role.PRACTITIONER, Role.COORDINATOR)))
    page = client.get("/agency/bookings").get_data(as_text=True)
    label, links = section_navigation(page)
    assert [text for text, _ in links] == [
        "Bookings",
        "Staff",
        "Requests to join",
        "Charges",
        "E-learning renewals",
        "Training to verify",
        "Certificates",
        "Compliance",
    ]
    for href in re.findall(r'app-section-navigation__link" href="([^"]+)"', page):
        assert client.get(href).status_code == 200, href


def test_the_admin_section_lists_only_what_the_administrator_can_open(client, make_user, login):
    login(make_user(roles=(Role.ADMIN,)))
    page = client.get("/admin/courses").get_data(as_text=True)
    for href in re.findall(r'app-section-navigation__link" href="([^"]+)"', page):
        assert client.get(href).status_code == 200, href


def test_the_anonymous_home_page_leads_with_find_training(client):
    page = client.get("/").get_data(as_text=True)
    main = page.split('<main class="govuk-main-wrapper"', 1)[1].split("</main>", 1)[0]
    button = r'<a href="([^"]+)" role="button"[^>]*class="([^"]+)"[^>]*>\s*([^<]+?)\s*<'
    buttons = re.findall(button, main)
    assert [(href, text) for href, _, text in buttons] == [
        ("/training", "Find training"),
        ("/register", "Create an account"),
    ]
    find, create = buttons[0][1], buttons[1][1]
    assert "govuk-button--start" in find and "govuk-button--secondary" not in find
    assert "govuk-button--secondary" in create and "govuk-button--start" not in create
