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


def can_set_role_tags(user, person: User) -> bool:
    """Admins mark anyone's roles (for training requirements); a coordinator their own
    agency's staff."""
    return can_manage_agency_staff(user, person.agency)


def is_coordinator(user) -> bool:
    return _signed_in(user) and user.has_role(Role.COORDINATOR)


def is_trainer(user) -> bool:
    return _signed_in(user) and user.has_role(Role.TRAINER)


def can_book_for(user, person) -> bool:
    """Anyone books for themselves; coordinators for their agency's staff; admins for anyone."""
    if not _signed_in(user) or not person.is_active:
        return False
    if user.id == person.id or is_admin(user):
        return True
    return is_coordinator(user) and user.agency_id == person.agency_id


def can_manage_booking(user, booking) -> bool:
    """The person booked, a coordinator of the agency booked under, or an admin."""
    if not _signed_in(user):
        return False
    if user.id == booking.user_id or is_admin(user):
        return True
    return is_coordinator(user) and user.agency_id == booking.agency_id


def can_decide_booking(user, booking) -> bool:
    """Approvals are for the coordinators of the agency booked under (not of their own
    bookings), and admins."""
    if is_admin(user):
        return True
    return (
        is_coordinator(user) and user.agency_id == booking.agency_id and user.id != booking.user_id
    )


def can_see_session_bookings(user, course_session) -> bool:
    """The session's own trainers and admins see who is booked."""
    if is_admin(user):
        return True
    return is_trainer(user) and any(t.id == user.id for t in course_session.trainers)


def can_take_register(user, course_session) -> bool:
    """A session's own trainers and admins mark its registers."""
    return can_see_session_bookings(user, course_session)


def can_dispute_charge(user, charge) -> bool:
    return is_coordinator(user) and user.agency_id == charge.agency_id


def can_view_reports(user) -> bool:
    """PDL viewers and admins see the partnership's figures; coordinators their agency's."""
    return can_view_statistics(user) or is_coordinator(user)


def reports_agency(user) -> Agency | None:
    """The agency a person's reports are restricted to: a coordinator's own, unless they may
    see the whole partnership's figures."""
    return None if can_view_statistics(user) else user.agency


PREDICATES = {
    "is_admin": is_admin,
    "is_coordinator": is_coordinator,
    "is_trainer": is_trainer,
    "can_manage_agencies": can_manage_agencies,
    "can_manage_users": can_manage_users,
    "can_view_statistics": can_view_statistics,
    "can_manage_agency_staff": can_manage_agency_staff,
    "can_edit_staff_member": can_edit_staff_member,
    "can_book_for": can_book_for,
    "can_manage_booking": can_manage_booking,
    "can_decide_booking": can_decide_booking,
    "can_see_session_bookings": can_see_session_bookings,
    "can_take_register": can_take_register,
    "can_dispute_charge": can_dispute_charge,
    "can_view_reports": can_view_reports,
}
