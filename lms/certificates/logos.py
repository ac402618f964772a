"""The partnership's logo printed on certificates: uploaded, replaced and removed by an admin.

A logo is a PNG or JPEG of at most 1 MB, its type read from its bytes (never its name or the
type the browser claims) and the whole image decoded once, so a truncated or disguised file is
refused before anything changes. Every change is audited."""

import base64
import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from lms.audit import services as audit
from lms.certificates.models import PartnershipLogo
from lms.core.errors import DomainError
from lms.extensions import db

MAX_BYTES = 1024 * 1024
# Room for the rest of the form around the file, so a file just over 1 MB reaches the check
# below (and gets its message on the form) rather than the request limit's page.
REQUEST_ALLOWANCE = 64 * 1024
MIN_PIXELS = 32
MAX_PIXELS = 4000
# (first bytes, media type, Pillow's name for the format)
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
)


class LogoError(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="logo")


@dataclass(frozen=True)
class CheckedLogo:
    content: bytes
    media_type: str
    width: int
    height: int


def check(content: bytes | None, file_name: str | None = None) -> CheckedLogo:
    """The logo as it will be stored, or a LogoError saying what to do instead."""
    if not content:
        if file_name:
            raise LogoError("The selected file is empty. Choose the logo again")
        raise LogoError("Choose a PNG or JPEG file of the logo")
    if len(content) > MAX_BYTES:
        raise LogoError("The selected file is larger than 1 MB. Choose a smaller file")
    found = next((sig for sig in SIGNATURES if content.startswith(sig[0])), None)
    if found is None:
        raise LogoError(
            "The selected file must be a PNG or JPEG (it is checked from its content, not its name)"
        )
    _magic, media_type, pillow_format = found
    from PIL import Image, UnidentifiedImageError  # imported at the first upload, not at start-up

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != pillow_format:
                    raise UnidentifiedImageError
                width, height = image.size
                if max(width, height) > MAX_PIXELS:
                    raise LogoError(
                        f"The logo is {width} by {height} pixels: it must be at most "
                        f"{MAX_PIXELS} pixels wide and high. Save a smaller copy"
                    )
                image.load()  # decodes it all: a truncated or corrupt file fails here
    except LogoError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise LogoError(
            "The selected file could not be read as an image. Save it again as a PNG or JPEG"
        ) from None
    if min(width, height) < MIN_PIXELS:
        raise LogoError(
            f"The logo is {width} by {height} pixels: it must be at least {MIN_PIXELS} pixels "
            "wide and high to print clearly"
        )
    return CheckedLogo(content, media_type, width, height)


def current() -> PartnershipLogo | None:
    return db.session.get(PartnershipLogo, 1)


def _facts(logo: PartnershipLogo | None) -> dict | None:
    if logo is None:
        return None
    return {
        "sha256": logo.sha256,
        "media_type": logo.media_type,
        "width": logo.width,
        "height": logo.height,
    }


def upload(checked: CheckedLogo, *, by, now: datetime) -> PartnershipLogo:
    """Make the checked file the logo printed on certificates (replacing any before it)."""
    logo = current()
    before = _facts(logo)
    if logo is None:
        logo = PartnershipLogo(id=1)
        db.session.add(logo)
    logo.content = checked.content
    logo.media_type = checked.media_type
    logo.width, logo.height = checked.width, checked.height
    logo.sha256 = hashlib.sha256(checked.content).hexdigest()
    logo.uploaded_at = now
    logo.uploaded_by_id = by.id if by is not None else None
    db.session.flush()
    audit.record("certificate_logo.uploaded", logo, actor=by, before=before, after=_facts(logo))
    return logo


def remove(*, by) -> bool:
    """Certificates are printed without a logo from now on; False when there was none."""
    logo = current()
    if logo is None:
        return False
    audit.record("certificate_logo.removed", logo, actor=by, before=_facts(logo))
    db.session.delete(logo)
    db.session.flush()
    return True


def data_url(logo: PartnershipLogo) -> str:
    """The logo as a data: address, to show it to the admin on the page."""
    return f"data:{logo.media_type};base64,{base64.b64encode(logo.content).decode('ascii')}"
