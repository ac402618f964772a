"""The service navigation: which links each role sees, and the sub-navigation of the sections
that group several pages (a coordinator's agency, the administrators' pages).

The top row must fit on one line at 1280 pixels for someone holding every role, so it holds one
short entry per area of work; an area's own pages are listed under it. The service name links
home, so there is no "Home" entry."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for

from lms.accounts import permissions


def _anyone(user) -> bool:
    return True


def _anonymous(user) -> bool:
    return not user.is_authenticated


def _signed_in(user) -> bool:
    return user.is_authenticated


@dataclass(frozen=True)
class Page:
    """A page of the navigation: shown to whom, and the other endpoints under which it stays
    highlighted (a name ending in "." or "_" is a prefix that covers several)."""

    text: str
    endpoint: str
    shown_to: Callable = _anyone
    also: tuple[str, ...] = ()

    def match(self, endpoint: str) -> int:
        """2 when this page is the one open, 1 when a prefix covers it, 0 when it does not."""
        if endpoint == self.endpoint or endpoint in self.also:
            return 2
        covered = any(
            other[-1] in "._" and endpoint.startswith(other) for other in self.also if other
        )
        return 1 if covered else 0


@dataclass(frozen=True)
class NavItem(Page):
    # The section's own pages, listed under the service navigation while one of them is open.
    pages: tuple[Page, ...] = ()

    def match(self, endpoint: str) -> int:
        return max([super().match(endpoint), *(page.match(endpoint) for page in self.pages)])


AGENCY_PAGES = (
    Page("Bookings", "manage.agency_bookings", also=("manage.decline",)),
    Page("Staff", "staff.index", also=("staff.", "compliance_admin.person_tags")),
    Page("Requests to join", "accounts.join_requests", also=("accounts.decide_join_request",)),
    Page("Charges", "charges.agency_charges", also=("charges.dispute",)),
    Page("E-learning renewals", "renewals.agency_renewals"),
    Page("Training to verify", "declarations.agency_list", also=("declarations.show",)),
    Page("Certificates", "bulk.index", also=("bulk.",)),
    Page("Compliance", "compliance.index", also=("compliance.",)),
)

ADMIN_PAGES = (
    Page(
        "Courses",
        "catalogue_admin.courses",
        also=(
            "catalogue_admin.new_course",
            "catalogue_admin.course",
            "catalogue_admin.publish_",
            "catalogue_admin.archive_",
        ),
    ),
    Page(
        "Sessions",
        "catalogue_admin.session_list",
        also=(
            "catalogue_admin.new_session",
            "catalogue_admin.edit_session",
            "catalogue_admin.copy_session",
            "catalogue_admin.cancel_session",
            "manage.session_bookings",
            "manage.admin_add",
            "attendance.",
        ),
    ),
    Page("Themes, providers and venues", "reference.index", also=("reference.",)),
    Page(
        "Agencies",
        "admin.agencies",
        permissions.can_manage_agencies,
        also=(
            "admin.new_agency",
            "admin.edit_agency",
            "accounts.agency_requests_page",
            "accounts.join_requests",
            "accounts.decide_join_request",
        ),
    ),
    Page(
        "People",
        "admin.users",
        permissions.can_manage_users,
        also=("admin.new_user", "admin.edit_user"),
    ),
    Page("Charges", "charges.admin_charges", also=("charges.decide",)),
    Page("E-learning imports", "elearning_imports.index", also=("elearning_imports.",)),
    Page("Attendance", "attendance.decisions"),
    Page("Live e-learning", "xapi_credentials.overview", also=("xapi_credentials.",)),
    Page("Unmatched e-learning", "elearning_unmatched.index", also=("elearning_unmatched.",)),
    Page("Declared training", "declarations.admin_list", also=("declarations.show",)),
    Page("Demand", "manage.demand"),
    Page(
        "Training requirements",
        "compliance_admin.requirements",
        also=(
            "compliance_admin.new_requirement",
            "compliance_admin.requirement",
            "compliance_admin.role_tag",
            "compliance_admin.role_tags",
        ),
    ),
    Page("Evaluation questions", "questions.index", also=("questions.",)),
    Page("Certificates", "bulk.index", also=("bulk.",)),
    Page("Compliance", "compliance.index", also=("compliance.",)),
    Page("Settings", "manage.edit_settings", also=("certificates.logo",)),
)

ITEMS = (
    NavItem(
        "Find training",
        "catalogue.index",
        also=(
            "catalogue.courses",
            "catalogue.course",
            "catalogue.session",
            "bookings.book",
            "bookings.book_",
            "bookings.interest",
        ),
    ),
    NavItem(
        "Your training",
        "bookings.my_training",
        _signed_in,
        also=(
            "bookings.cancel",
            "bookings.substitute",
            "bookings.offer",
            "bookings.answer_",
            "declarations.mine",
            "declarations.new",
        ),
    ),
    NavItem(
        "Teaching",
        "catalogue.my_sessions",
        permissions.is_trainer,
        also=("attendance.", "manage.session_bookings", "evaluation_summaries."),
    ),
    NavItem(
        "Your agency", "manage.agency_bookings", permissions.is_coordinator, pages=AGENCY_PAGES
    ),
    NavItem(
        "Reports",
        "reports.index",
        permissions.can_view_reports,
        also=(
            "reports.",
            "pages.registrations",
            "comments.",
            "evaluation_summaries.",
            "annual_pack.",
            "annual_pack_files.",
        ),
    ),
    NavItem("Admin", "catalogue_admin.courses", permissions.is_admin, pages=ADMIN_PAGES),
    NavItem("Account", "accounts.account", _signed_in, also=("accounts.change_",)),
    NavItem("Create an account", "accounts.register", _anonymous),
    NavItem(
        "Sign in", "accounts.sign_in", _anonymous, also=("accounts.forgotten_", "accounts.reset_")
    ),
)


def _visible(items, user) -> list:
    return [item for item in items if item.shown_to(user)]


def _current(items, endpoint: str):
    """The item for the page open now: an exact match before a prefix, then the first listed, so
    only one item is ever highlighted."""
    best = max(items, key=lambda item: item.match(endpoint), default=None)
    return best if best is not None and best.match(endpoint) else None


def items_for(user, endpoint: str | None) -> list[dict]:
    """The navigation items for this user, in the shape govukServiceNavigation takes."""
    endpoint = endpoint or ""
    items = _visible(ITEMS, user)
    current = _current(items, endpoint)
    return [
        {
            "text": item.text,
            "href": url_for(item.endpoint),
            "active": item is current,
            # Its own page, rather than one of its section's pages (aria-current="page").
            "current": item is current and endpoint == item.endpoint,
        }
        for item in items
    ]


def section_for(user, endpoint: str | None) -> dict | None:
    """The sub-navigation of the section open now ({"label", "items"}), or None."""
    current = _current(_visible(ITEMS, user), endpoint or "")
    if current is None or not current.pages:
        return None
    pages = _visible(current.pages, user)
    page = _current(pages, endpoint or "")
    return {
        "label": current.text,
        "items": [
            {"text": each.text, "href": url_for(each.endpoint), "current": each is page}
            for each in pages
        ],
    }
