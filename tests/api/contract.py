"""Reading the API's OpenAPI document as a client does: which query values it admits."""

import re

from jsonschema import Draft202012Validator


def parameter(document: dict, path: str, name: str) -> dict | None:
    """The query parameter `name` of GET `path`, its reference resolved; None if not documented."""
    for entry in document["paths"][path]["get"].get("parameters", []):
        if "$ref" in entry:
            entry = document["components"]["parameters"][entry["$ref"].rsplit("/", 1)[1]]
        if entry["name"] == name:
            return entry
    return None


def admits(document: dict, path: str, name: str, value: str) -> bool:
    """Whether the document says GET `path` takes `name=value` in its query string."""
    described = parameter(document, path, name)
    if described is None:
        return False
    if value == "" and described.get("allowEmptyValue") is True:
        return True
    schema = described["schema"]
    validator = Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return validator.is_valid(_as_sent(schema, value))


def _as_sent(schema: dict, value: str):
    """The JSON value a query string's text stands for under this schema (a number written as
    JSON writes it: `02` is text, not 2)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?(0|[1-9][0-9]*)", value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if kind == "array":
        return [value]
    return value
