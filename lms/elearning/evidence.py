"""Evidence of declared training: a certificate as PDF, PNG or JPEG, 5 MB at most. Its type is
read from its first bytes, never from its name or the type the browser claims; its name is
cleaned so it can only ever be a download's suggested name, never a path."""

import re
from dataclasses import dataclass

from lms.core.errors import DomainError
from lms.core.text import single_line

MAX_BYTES = 5 * 1024 * 1024
# Room for the rest of the form around the file, so a file of exactly 5 MB reaches the check
# below (and gets its message in the form) rather than the request limit's 413 page.
REQUEST_ALLOWANCE = 256 * 1024
NAME_LIMIT = 100

# (first bytes, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
EXTENSIONS = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
}
KNOWN_EXTENSIONS = {extension for names in EXTENSIONS.values() for extension in names}
_UNSAFE = re.compile(r"[^\w .()+-]+")


class EvidenceError(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="evidence")


@dataclass(frozen=True)
class Evidence:
    content: bytes
    content_type: str
    name: str


def content_type_of(content: bytes) -> str | None:
    """The type a file's first bytes show, among those accepted; None for any other file."""
    for magic, content_type, _ in SIGNATURES:
        if content.startswith(magic):
            return content_type
    return None


def clean_name(name: str | None, content_type: str) -> str:
    """The file's own name without any folder, control or unusual characters, at most 100
    characters, ending in the extension of its real type."""
    name = single_line(name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension.lower() in EXTENSIONS[content_type]:
        extension = extension.lower()
    else:
        if extension.lower() not in KNOWN_EXTENSIONS and extension:
            stem = f"{stem}.{extension}"
        extension = EXTENSIONS[content_type][0]
    stem = stem.strip(" ._")[: NAME_LIMIT - len(extension) - 1].rstrip(" ._") or "certificate"
    return f"{stem}.{extension}"


def check(content: bytes | None, name: str | None) -> Evidence:
    """The evidence as it will be stored, or an EvidenceError saying what to do instead."""
    if not content:
        if name:
            raise EvidenceError("The selected file is empty. Choose your certificate again")
        raise EvidenceError("Choose the certificate or other evidence of the training")
    if len(content) > MAX_BYTES:
        raise EvidenceError(
            "The selected file is larger than 5 MB. Choose a smaller file: save or scan the "
            "certificate at a lower resolution"
        )
    content_type = content_type_of(content)
    if content_type is None:
        raise EvidenceError(
            "The selected file must be a PDF, PNG or JPEG (it is checked from its content, "
            "not its name)"
        )
    return Evidence(content, content_type, clean_name(name, content_type))
