"""Who may see a person's certificates and training record: the person, a coordinator of
their agency (or of the agency a certificate counts for), and admins. Anyone else gets 403."""

from lms.accounts import permissions
from lms.accounts.models import Role, User
from lms.certificates.models import Certificate


def _coordinates(viewer, agency_id: int) -> bool:
    return permissions.is_coordinator(viewer) and viewer.agency_id == agency_id


def can_see_record(viewer, person: User) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == person.id or permissions.is_admin(viewer):
        return True
    return _coordinates(viewer, person.agency_id) and not person.has_role(Role.ADMIN)


def can_see_certificate(viewer, certificate: Certificate) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    if can_see_record(viewer, certificate.user):
        return True
    return _coordinates(viewer, certificate.agency_id)


def can_download_agency(viewer, agency_id: int) -> bool:
    """Bulk downloads: an admin for any agency, a coordinator for their own."""
    return permissions.is_admin(viewer) or _coordinates(viewer, agency_id)
