"""Which column of a provider's file holds what: the fields an import needs, a guess from the
headings, the mapping remembered per provider, and the check that a mapping fits a file."""

from lms.catalogue.models import Provider
from lms.core.errors import DomainError

# Field name, label, and whether a file must have it.
FIELDS = (
    ("email", "Email address", True),
    ("name", "Name", True),
    ("module", "Module (its code or title)", True),
    ("completed_at", "Date completed", True),
    ("status", "Status (optional)", False),
    ("score", "Score (optional)", False),
    ("agency", "Agency or organisation (optional)", False),
)
FIELD_NAMES = tuple(name for name, _label, _required in FIELDS)
REQUIRED = tuple(name for name, _label, required in FIELDS if required)
LABELS = {name: label for name, label, _required in FIELDS}

# Words in a heading that suggest each field, tried in this order (a "Course name" column is
# the module, not the person's name).
GUESSES = (
    ("email", ("email", "e-mail", "mail")),
    ("completed_at", ("completed", "completion", "date", "finished")),
    ("status", ("status", "progress", "state")),
    ("score", ("score", "result", "mark", "grade", "%")),
    ("agency", ("agency", "organisation", "organization", "employer", "company")),
    ("module", ("module", "course", "code", "title", "activity", "learning")),
    ("name", ("name", "learner", "user", "person", "delegate")),
)
MAX_STATUS_VALUES = 50


class MappingRefused(DomainError):
    pass


def guess(headings: list[str]) -> dict:
    """A mapping guessed from the file's headings (field -> heading, or None)."""
    found: dict = dict.fromkeys(FIELD_NAMES)
    taken: set[str] = set()
    for field, words in GUESSES:
        for heading in headings:
            if heading and heading not in taken and any(w in heading.casefold() for w in words):
                found[field] = heading
                taken.add(heading)
                break
    return found


def suggested(provider: Provider, headings: list[str]) -> dict:
    """The provider's saved mapping where its headings are in this file, else a guess; with the
    statuses that count, as saved."""
    saved = provider.import_mapping or {}
    guessed = guess(headings)
    mapping = {
        field: saved.get(field) if saved.get(field) in headings else guessed[field]
        for field in FIELD_NAMES
    }
    mapping["completed_values"] = list(saved.get("completed_values") or [])
    return mapping


def checked(mapping: dict, headings: list[str], *, statuses: list[str] | None = None) -> dict:
    """The mapping, cleaned, when it fits the file: every field it needs mapped to a column the
    file has, no column used twice, and the statuses that count chosen when a status column is
    mapped (among `statuses`, the values the file's status column holds, when given).
    MappingRefused otherwise, naming the field."""
    clean = {field: (mapping.get(field) or None) for field in FIELD_NAMES}
    chosen = mapping.get("completed_values") or []
    if statuses is not None and clean["status"] and not set(chosen) <= set(statuses):
        raise MappingRefused(
            f"Choose which values of the “{clean['status']}” column mean completed",
            field="completed_values",
        )
    for field in FIELD_NAMES:
        heading = clean[field]
        if heading is None:
            if field in REQUIRED:
                raise MappingRefused(
                    f"Choose the column that holds the {_noun(field)}", field=field
                )
            continue
        if heading not in headings:
            raise MappingRefused(
                f"The file has no column “{heading}” for the {_noun(field)}. Its columns are: "
                + ", ".join(f"“{h}”" for h in headings if h),
                field=field,
            )
    used = [heading for heading in clean.values() if heading]
    if len(used) != len(set(used)):
        twice = next(h for h in used if used.count(h) > 1)
        raise MappingRefused(f"The column “{twice}” is chosen for more than one thing")
    values = [str(value).strip() for value in mapping.get("completed_values") or []]
    values = [value for value in dict.fromkeys(values) if value][:MAX_STATUS_VALUES]
    if clean["status"] and not values:
        raise MappingRefused(
            "Choose which status values mean the module was completed", field="completed_values"
        )
    clean["completed_values"] = values if clean["status"] else []
    return clean


def _noun(field: str) -> str:
    return {
        "email": "email address",
        "name": "person's name",
        "module": "module",
        "completed_at": "date completed",
        "status": "status",
        "score": "score",
        "agency": "agency",
    }[field]
