"""What the xAPI endpoint accepts: the version header, the body and each statement, checked
before anything is stored. A request is all or nothing: the first statement refused refuses the
whole request with its reason (`BadStatement`), and nothing of it is kept.

The limits and patterns here are the endpoint's contract: the OpenAPI document
(`lms.elearning.xapi_openapi`) is built from the same constants, so what it admits is what the
endpoint accepts. Only the strings the service uses (the actor's address and name, the verb and
object ids, the statement id, the timestamp) are checked for control characters and length;
anything else in a statement (context, extensions, display names) is accepted and ignored.
"""

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from lms.core.timefmt import LONDON

VERSION = "1.0.3"
VERSION_HEADER = "X-Experience-API-Version"
# 1.0.0 to 1.0.3 (and later 1.0.x corrections); 1.1 and 2.0 are refused.
ACCEPTED_VERSION = r"^1\.0(\.[0-9]{1,4})?$"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
COMPLETION_VERBS = (COMPLETED, PASSED)

MAX_BODY_BYTES = 1024 * 1024
MAX_STATEMENTS = 500
MAX_IRI = 500
MAX_MBOX = 261  # "mailto:" and an address of at most 254 characters
MAX_NAME = 200
MAX_TIMESTAMP = 64
# A timestamp may be this far ahead of the server's clock; further, it is refused.
CLOCK_SKEW = timedelta(minutes=5)

_NO_CONTROLS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
IRI_PATTERN = rf"^[A-Za-z][A-Za-z0-9+.-]*:[^\s{_NO_CONTROLS}]+$"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}"
MBOX_PATTERN = rf"^mailto:{EMAIL_PATTERN}$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SHA1_PATTERN = r"^[0-9a-fA-F]{40}$"
# RFC 3339 (ISO 8601 with the offset from UTC), as JSON Schema's date-time.
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
TEXT_PATTERN = rf"^[^{_NO_CONTROLS}]*$"
OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")
ACTOR_TYPES = ("Agent", "Group")
IDENTIFIERS = ("mbox", "mbox_sha1sum", "openid", "account")
STATEMENT_PROPERTIES = (
    *("id", "actor", "verb", "object", "result", "context", "timestamp"),
    *("stored", "authority", "version", "attachments"),
)
OPTIONAL_OBJECTS = ("result", "context", "authority")


class BadStatement(Exception):
    """A request or statement the endpoint refuses (400), with the reason for the sender."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Statement:
    """The parts of a statement the service uses."""

    statement_id: str
    verb: str
    object_id: str
    is_activity: bool
    email: str | None  # from actor.mbox, in lower case; None for another kind of identifier
    name: str
    timestamp: datetime | None
    score: Decimal | None  # result.score.scaled as a percentage, when between 0 and 1

    def completed_on(self, received_at: datetime) -> date:
        """The UK day of the statement's timestamp (or of its receipt when it has none)."""
        return (self.timestamp or received_at).astimezone(LONDON).date()


def check_version(value: str | None) -> None:
    if value is None or not value.strip():
        raise BadStatement(
            f"Send the header {VERSION_HEADER} with the xAPI version, {VERSION}: "
            "this endpoint speaks xAPI 1.0.x."
        )
    if not re.fullmatch(ACCEPTED_VERSION, value.strip()):
        raise BadStatement(
            f"{VERSION_HEADER} {_shown(value)} is not accepted: this endpoint speaks xAPI 1.0.x "
            f"(send {VERSION})."
        )


def parse_body(body: bytes, content_type: str) -> list[dict]:
    """The statements of a request body: one JSON object, or an array of them."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise BadStatement(
            f"Send the statements as JSON with 'Content-Type: application/json' (this request "
            f"was {_shown(media) if media else 'without a content type'})."
        )
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise BadStatement("The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deeply"
        raise BadStatement(f"The body is not valid JSON: {reason}.") from None
    statements = data if isinstance(data, list) else [data]
    if not statements:
        raise BadStatement("The array holds no statements.")
    if len(statements) > MAX_STATEMENTS:
        raise BadStatement(
            f"Send at most {MAX_STATEMENTS} statements in one request "
            f"(this one has {len(statements)})."
        )
    return statements


def read_all(items: list, *, now: datetime) -> list[Statement]:
    """Every statement checked, in order, with an id each (a new one for those without);
    the first refused refuses them all."""
    statements, seen = [], set()
    for number, item in enumerate(items, start=1):
        try:
            statement = read(item, now=now)
        except BadStatement as error:
            where = f"Statement {number}: " if len(items) > 1 else ""
            raise BadStatement(where + error.message) from None
        if statement.statement_id in seen:
            raise BadStatement(
                f"Statement {number} has the same id as an earlier one in the request "
                f"({statement.statement_id}); ids must be unique."
            )
        seen.add(statement.statement_id)
        statements.append(statement)
    return statements


def read(item, *, now: datetime) -> Statement:
    """One statement checked; BadStatement says what is wrong with it."""
    if not isinstance(item, dict):
        raise BadStatement("a statement must be a JSON object.")
    unknown = [key for key in item if key not in STATEMENT_PROPERTIES]
    if unknown:
        raise BadStatement(f"{_shown(unknown[0])} is not a property of an xAPI statement.")
    for key in ("actor", "verb", "object"):
        if key not in item:
            raise BadStatement(f"it has no {key}.")
    for key in OPTIONAL_OBJECTS:
        if key in item and not isinstance(item[key], dict):
            raise BadStatement(f"{key} must be an object.")
    if "version" in item and not (
        isinstance(item["version"], str) and re.fullmatch(ACCEPTED_VERSION, item["version"])
    ):
        raise BadStatement("version must be 1.0.x, such as 1.0.3.")
    if "stored" in item and not isinstance(item["stored"], str):
        raise BadStatement("stored must be a timestamp.")
    if "attachments" in item and not isinstance(item["attachments"], list):
        raise BadStatement("attachments must be an array.")
    email, name = _actor(item["actor"])
    object_id, is_activity = _object(item["object"])
    return Statement(
        statement_id=_statement_id(item),
        verb=_verb(item["verb"]),
        object_id=object_id,
        is_activity=is_activity,
        email=email,
        name=name,
        timestamp=_timestamp(item["timestamp"], now=now) if "timestamp" in item else None,
        score=_score(item.get("result")),
    )


def _statement_id(item: dict) -> str:
    if "id" not in item:
        return str(uuid.uuid4())
    value = item["id"]
    if not isinstance(value, str) or not re.fullmatch(UUID_PATTERN, value):
        raise BadStatement("id must be a UUID, like 'fd41c918-b88b-4b20-a0a5-a4c32391aaa0'.")
    return value.lower()


def _actor(actor) -> tuple[str | None, str]:
    if not isinstance(actor, dict):
        raise BadStatement("actor must be an object (an Agent).")
    kind = actor.get("objectType", "Agent")
    if kind not in ACTOR_TYPES:
        raise BadStatement("actor.objectType must be Agent or Group.")
    unknown = [key for key in actor if key not in ("objectType", "name", "member", *IDENTIFIERS)]
    if unknown:
        raise BadStatement(f"{_shown(unknown[0])} is not a property of an actor.")
    given = [key for key in IDENTIFIERS if key in actor]
    if len(given) != 1:
        raise BadStatement(
            "actor must have exactly one identifier (mbox, mbox_sha1sum, openid or account); "
            f"it has {len(given) or 'none'}."
        )
    name = actor.get("name", "")
    if not _text(name, MAX_NAME):
        raise BadStatement(f"actor.name must be text of at most {MAX_NAME} characters.")
    if "member" in actor and not isinstance(actor["member"], list):
        raise BadStatement("actor.member must be an array.")
    identifier, value = given[0], actor[given[0]]
    if identifier == "mbox":
        if not isinstance(value, str) or not value.startswith("mailto:"):
            raise BadStatement("actor.mbox must be 'mailto:' and an email address.")
        if len(value) > MAX_MBOX or not re.fullmatch(MBOX_PATTERN, value):
            raise BadStatement(f"actor.mbox {_shown(value)} is not a valid email address.")
        return value[len("mailto:") :].lower(), name
    if identifier == "mbox_sha1sum":
        if not isinstance(value, str) or not re.fullmatch(SHA1_PATTERN, value):
            raise BadStatement("actor.mbox_sha1sum must be 40 hexadecimal digits.")
    elif identifier == "openid":
        _iri(value, "actor.openid")
    else:
        if not isinstance(value, dict) or set(value) != {"homePage", "name"}:
            raise BadStatement("actor.account must be an object with homePage and name.")
        _iri(value["homePage"], "actor.account.homePage")
        if not value["name"] or not _text(value["name"], MAX_NAME):
            raise BadStatement(f"actor.account.name must be text of 1 to {MAX_NAME} characters.")
    return None, name


def _verb(verb) -> str:
    if not isinstance(verb, dict) or "id" not in verb:
        raise BadStatement("verb must be an object with an id.")
    if set(verb) - {"id", "display"}:
        raise BadStatement("verb takes only id and display.")
    if "display" in verb and not isinstance(verb["display"], dict):
        raise BadStatement("verb.display must be an object (a language map).")
    return _iri(verb["id"], "verb.id")


def _object(target) -> tuple[str, bool]:
    """The object's id, and whether it is an activity (the only kind that can be a module)."""
    if not isinstance(target, dict):
        raise BadStatement("object must be an object (an Activity).")
    kind = target.get("objectType", "Activity")
    if kind not in OBJECT_TYPES:
        raise BadStatement(f"object.objectType must be one of: {', '.join(OBJECT_TYPES)}.")
    if kind != "Activity":
        # Voiding statements and the like: accepted, never a completion.
        value = target.get("id")
        return (value if _text(value, MAX_IRI) and value else ""), False
    if "id" not in target:
        raise BadStatement("object.id is missing.")
    if "definition" in target and not isinstance(target["definition"], dict):
        raise BadStatement("object.definition must be an object.")
    if set(target) - {"objectType", "id", "definition"}:
        raise BadStatement("an Activity takes only objectType, id and definition.")
    return _iri(target["id"], "object.id"), True


def _iri(value, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadStatement(f"{where} must be an IRI, like 'https://example.org/activities/1'.")
    if len(value) > MAX_IRI:
        raise BadStatement(f"{where} is longer than {MAX_IRI} characters.")
    if not re.fullmatch(IRI_PATTERN, value):
        raise BadStatement(
            f"{where} {_shown(value)} is not an IRI: it needs a scheme (such as https:) and no "
            "spaces or control characters."
        )
    return value


def _timestamp(value, *, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise BadStatement("timestamp must be an ISO 8601 date and time.")
    try:
        if len(value) > MAX_TIMESTAMP or not re.fullmatch(TIMESTAMP_PATTERN, value):
            raise ValueError(value)
        whole, _, fraction = value.upper().partition(".")
        if fraction:  # Python reads at most microseconds
            digits = re.match("[0-9]+", fraction).group()
            whole += "." + digits[:6].ljust(6, "0") + fraction[len(digits) :]
        moment = datetime.fromisoformat(whole).astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadStatement(
            f"timestamp {_shown(value)} is not an ISO 8601 date and time with its offset from "
            "UTC, like '2026-06-01T14:30:00Z'."
        ) from None
    if moment > now + CLOCK_SKEW:
        raise BadStatement(f"timestamp {_shown(value)} is in the future.")
    return moment


def _score(result) -> Decimal | None:
    if result is None or "score" not in result:
        return None
    score = result["score"]
    if not isinstance(score, dict):
        raise BadStatement("result.score must be an object.")
    if "scaled" not in score:
        return None
    scaled = score["scaled"]
    if isinstance(scaled, bool) or not isinstance(scaled, int | float) or not -1 <= scaled <= 1:
        raise BadStatement("result.score.scaled must be a number from -1 to 1.")
    return round(Decimal(str(scaled)) * 100, 2) if scaled >= 0 else None


def _text(value, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit and re.fullmatch(TEXT_PATTERN, value)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _shown(value: str) -> str:
    """A sender's value quoted in a message, cut short if long, control characters hidden."""
    value = re.sub(f"[{_NO_CONTROLS}]", "?", str(value))
    return "'" + (value if len(value) <= 60 else value[:60] + "...") + "'"
