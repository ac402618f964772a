"""The service navigation: which links each role sees."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for

from lms.accounts import permissions


def _anonymous(user) -> bool:
    return not user.is_authenticated


def _signed_in(user) -> bool:
    return user.is_authenticated


@dataclass(frozen=True)
class NavItem:
    text: str
    endpoint: str
    shown_to: Callable
    # Other endpoints under this item, so it stays highlighted on its sub-pages.
    section: str = ""


ITEMS = (
    NavItem("Home", "pages.index", lambda user: True),
    NavItem("Find training", "catalogue.index", lambda user: True, "catalogue.c"),
    NavItem("Your training", "bookings.my_training", _signed_in),
    NavItem("Your sessions", "catalogue.my_sessions", permissions.is_trainer),
    NavItem("Agency bookings", "manage.agency_bookings", permissions.is_coordinator),
    NavItem("Charges", "charges.agency_charges", permissions.is_coordinator),
    NavItem("Your agency's staff", "staff.index", permissions.is_coordinator, "staff."),
    NavItem("Reports", "reports.index", permissions.can_view_reports, "reports."),
    NavItem("Programme", "catalogue_admin.courses", permissions.is_admin, "catalogue_admin."),
    NavItem("Agencies", "admin.agencies", permissions.can_manage_agencies, "admin.agenc"),
    NavItem("People", "admin.users", permissions.can_manage_users, "admin.user"),
    NavItem("Your account", "accounts.account", _signed_in, "accounts.account"),
    NavItem("Create an account", "accounts.register", _anonymous),
    NavItem("Sign in", "accounts.sign_in", _anonymous),
)


def items_for(user, endpoint: str | None) -> list[dict]:
    """The navigation items for this user, in the shape govukServiceNavigation takes."""
    endpoint = endpoint or ""
    return [
        {
            "text": item.text,
            "href": url_for(item.endpoint),
            "active": endpoint == item.endpoint
            or bool(item.section and endpoint.startswith(item.section)),
        }
        for item in ITEMS
        if item.shown_to(user)
    ]
