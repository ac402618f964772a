"""An agency's certificates for a period, as one ZIP of PDFs (bulk download).

The certificates of an agency for a period are the live certificates (neither revoked nor
replaced; expired ones are kept, they still prove past training) counted for the agency whose
training's last day falls in the period (UK dates, both ends included).

The ZIP is written entry by entry (`write_zip`), so memory stays bounded whatever the count; a
small download is built at once into a temporary file the page sends (`inline_zip`), a larger
one by run-jobs (lms.certificates.export_batches)."""

import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO

import sqlalchemy as sa
from flask import current_app

from lms.certificates.issuing import LIVE
from lms.certificates.models import Certificate, PartnershipLogo
from lms.core.errors import DomainError
from lms.core.timefmt import local
from lms.extensions import db

# Deflated: a certificate PDF's streams are not compressed (drawing is faster without), so
# deflating the ZIP halves it (2,000 certificates: 90 MB stored, 44 MB deflated) for about 1 ms
# a certificate, a third of the time drawing one takes (bench/certificate_zip.py).
COMPRESSION = zipfile.ZIP_DEFLATED
# The builder commits its progress (and renews its lease) every this many certificates.
PROGRESS_EVERY = 50


# Which certificates ------------------------------------------------------------------------


def _in_period(agency_id: int, first: date, last: date) -> list:
    return [
        Certificate.agency_id == agency_id,
        Certificate.last_day >= first,
        Certificate.last_day <= last,
        LIVE,
    ]


def count(agency_id: int, first: date, last: date) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Certificate.id)).where(*_in_period(agency_id, first, last))
    )


def certificate_ids(agency_id: int, first: date, last: date) -> list[int]:
    """The certificates' ids in the ZIP's order: by person, course and date."""
    return list(
        db.session.scalars(
            sa.select(Certificate.id)
            .where(*_in_period(agency_id, first, last))
            .order_by(
                Certificate.person_name,
                Certificate.course_title,
                Certificate.last_day,
                Certificate.id,
            )
        )
    )


def certificates(ids: list[int], *, chunk: int = PROGRESS_EVERY) -> Iterator[Certificate]:
    """The certificates of these ids, in this order, loaded a chunk at a time."""
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        found = {
            certificate.id: certificate
            for certificate in db.session.scalars(
                sa.select(Certificate).where(Certificate.id.in_(part))
            )
        }
        for certificate_id in part:
            if certificate_id in found:  # deleted meanwhile: left out
                yield found[certificate_id]


# The PDF ---------------------------------------------------------------------------------


def renderer() -> Callable[[Certificate], bytes]:
    """The certificate PDF as the service prints it, with the partnership's logo read once for
    the whole ZIP rather than once per certificate."""
    from lms.certificates import pdf  # reportlab, imported when the first ZIP is made

    partnership = current_app.config["PARTNERSHIP_NAME"]
    logo = db.session.get(PartnershipLogo, 1)

    def render(certificate: Certificate) -> bytes:
        return pdf.render(
            certificate, partnership=partnership, verify_url=pdf.verify_url(certificate), logo=logo
        )

    return render


# Entry names -------------------------------------------------------------------------------

# Characters Windows, macOS or Linux refuse in a file name: a separator becomes a hyphen, a
# double quote a single one, the rest go; control characters become spaces.
_REPLACED = str.maketrans(
    {"/": "-", "\\": "-", "|": "-", '"': "'", ":": None, "?": None, "*": None, "<": None, ">": None}
)
# Bidirectional overrides could make "fdp.exe" read as "exe.pdf".
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_SPACES = re.compile(r"\s+")
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{kind}{n}" for kind in ("COM", "LPT") for n in "123456789"
}
PART_BYTES = {"person": 80, "course": 100}  # UTF-8 bytes, well inside 255 for the whole name


def _bounded(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore").rstrip(" .")


def safe_part(text: str, limit: int) -> str:
    """Text made safe in a file name on every common system, at most `limit` UTF-8 bytes."""
    text = unicodedata.normalize("NFC", text or "")
    text = _BIDI.sub("", text)
    text = text.translate(_REPLACED)
    text = "".join(
        character if unicodedata.category(character)[0] != "C" or character == "\u200d" else " "
        for character in text
    )
    text = _SPACES.sub(" ", text).strip(" .-")
    return _bounded(text, limit) or "Unnamed"


def entry_name(certificate: Certificate) -> str:
    """<Person name> - <Course title> - <YYYY-MM-DD>.pdf, safe for every system."""
    person = safe_part(certificate.person_name, PART_BYTES["person"])
    course = safe_part(certificate.course_title, PART_BYTES["course"])
    name = f"{person} - {course} - {certificate.last_day.isoformat()}"
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = f"_{name}"
    return name


class EntryNames:
    """Names not yet used in one ZIP; a repeat becomes "name (2).pdf". Compared as a
    case-insensitive file system would compare them."""

    def __init__(self):
        self.used: set[str] = set()

    def take(self, stem: str) -> str:
        candidate, number = f"{stem}.pdf", 1
        while candidate.casefold() in self.used:
            number += 1
            candidate = f"{stem} ({number}).pdf"
        self.used.add(candidate.casefold())
        return candidate


# Writing -----------------------------------------------------------------------------------


def write_zip(
    found: Iterable[Certificate],
    out: IO[bytes],
    *,
    render: Callable[[Certificate], bytes] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write one PDF per certificate into `out`, entry by entry; `progress(done)` is called
    after each. Returns how many were written."""
    render = render or renderer()
    names = EntryNames()
    done = 0
    with zipfile.ZipFile(out, "w", compression=COMPRESSION) as archive:
        for certificate in found:
            info = zipfile.ZipInfo(
                names.take(entry_name(certificate)),
                date_time=local(certificate.issued_at).timetuple()[:6],
            )
            info.compress_type = COMPRESSION
            info.external_attr = 0o644 << 16
            archive.writestr(info, render(certificate))
            done += 1
            if progress is not None:
                progress(done)
    return done


def inline_zip(agency_id: int, first: date, last: date) -> tuple[IO[bytes], int]:
    """A small download built now, in a temporary file (deleted when closed)."""
    ids = certificate_ids(agency_id, first, last)
    if not ids:
        raise DomainError("There are no certificates to download for this period")
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it once sent)
    try:
        written = write_zip(certificates(ids), out)
    except OSError as error:  # a full disk, say: the temporary file goes with the close
        out.close()
        detail = error.strerror or type(error).__name__
        raise DomainError(f"The ZIP could not be written ({detail}). Try again later") from None
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, written


def download_name(agency_name: str, first: date, last: date) -> str:
    return f"Certificates - {safe_part(agency_name, 80)} - {first} to {last}.zip"
