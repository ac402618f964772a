"""Who may do what: pure predicates over a user and an object, used by views and templates."""

from lms.accounts.models import Agency, Role, User


def _signed_in(user) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False)


def is_admin(user) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def can_manage_agencies(user) -> bool:
    return is_admin(user)


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_view_statistics(user) -> bool:
    return _signed_in(user) and user.has_role(Role.PDL_VIEWER, Role.ADMIN)


def can_manage_agency_staff(user, agency: Agency) -> bool:
    """Admins manage everyone; a coordinator manages only their own agency's staff."""
    if is_admin(user):
        return True
    return _signed_in(user) and user.has_role(Role.COORDINATOR) and user.agency_id == agency.id


def can_edit_staff_member(user, person: User) -> bool:
    """A coordinator edits their agency's staff, but not an administrator's account."""
    if is_admin(user):
        return True
    return can_manage_agency_staff(user, person.agency) and not person.has_role(Role.ADMIN)


def is_coordinator(user) -> bool:
    return _signed_in(user) and user.has_role(Role.COORDINATOR)


def is_trainer(user) -> bool:
    return _signed_in(user) and user.has_role(Role.TRAINER)


PREDICATES = {
    "is_admin": is_admin,
    "is_coordinator": is_coordinator,
    "is_trainer": is_trainer,
    "can_manage_agencies": can_manage_agencies,
    "can_manage_users": can_manage_users,
    "can_view_statistics": can_view_statistics,
    "can_manage_agency_staff": can_manage_agency_staff,
    "can_edit_staff_member": can_edit_staff_member,
}
