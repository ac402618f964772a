"""The OpenAPI description of the xAPI Statement API (/xapi/statements and /xapi/about), merged
into the API's document by `lms.catalogue.openapi`. The endpoint lives beside /api/v1, at the
site's root, so its paths carry a server of their own.

The statement schema is built from the constants the endpoint checks with (`xapi_rules`): a
statement the schema admits is accepted, and one it refuses is refused. Three rules JSON Schema
cannot say are in the descriptions instead: a timestamp may not be in the future, ids must be
unique within a request, and the body may not exceed 1 MB (413).
"""

from lms.elearning import xapi_rules as rules

TAG = "xAPI"
_VERSION_HEADER = {
    rules.VERSION_HEADER: {
        "description": f"Always {rules.VERSION}.",
        "required": True,
        "schema": {"type": "string", "const": rules.VERSION},
    }
}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _text(limit: int, pattern: str = rules.TEXT_PATTERN, **more) -> dict:
    return {"type": "string", "maxLength": limit, "pattern": pattern, **more}


def _iri(**more) -> dict:
    return _text(rules.MAX_IRI, rules.IRI_PATTERN, minLength=1, **more)


def _schemas() -> dict:
    identifiers = [{"required": [name]} for name in rules.IDENTIFIERS]
    activity = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "objectType": {"const": "Activity"},
            "id": _iri(
                description="The activity's IRI: a module's activity id makes the statement "
                "count for that module.",
                examples=["https://elearning.example.org/activities/SCL1"],
            ),
            "definition": {"type": "object"},
        },
        "additionalProperties": False,
    }
    other_object = {
        "type": "object",
        "required": ["objectType"],
        "properties": {
            "objectType": {"enum": [kind for kind in rules.OBJECT_TYPES if kind != "Activity"]}
        },
        "description": "Accepted and ignored (a voiding statement, for instance).",
    }
    statement = {
        "type": "object",
        "description": "An xAPI 1.0.3 statement. Only the parts described are read; context, "
        "authority, stored and attachments are accepted and ignored.",
        "required": ["actor", "verb", "object"],
        "properties": {
            "id": {
                "type": "string",
                "pattern": rules.UUID_PATTERN,
                "description": "A UUID; the endpoint gives one to a statement without.",
            },
            "actor": _ref("schemas", "XapiActor"),
            "verb": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": _iri(examples=list(rules.COMPLETION_VERBS)),
                    "display": {"type": "object"},
                },
                "additionalProperties": False,
            },
            "object": {"oneOf": [activity, other_object]},
            "result": {
                "type": "object",
                "properties": {
                    "score": {
                        "type": "object",
                        "properties": {
                            "scaled": {
                                "type": "number",
                                "minimum": -1,
                                "maximum": 1,
                                "description": "Kept as a percentage when 0 to 1.",
                            }
                        },
                    }
                },
            },
            "timestamp": {
                "type": "string",
                "format": "date-time",
                "pattern": rules.TIMESTAMP_PATTERN,
                "maxLength": rules.MAX_TIMESTAMP,
                "description": "When it happened, with the offset from UTC; the completion's day "
                "is its UK date. Not more than five minutes in the future. Without one, the "
                "time the statement is received.",
                "examples": ["2026-06-01T14:30:00Z"],
            },
            "version": {"type": "string", "pattern": rules.ACCEPTED_VERSION},
            "context": {"type": "object"},
            "authority": {"type": "object"},
            "stored": {"type": "string"},
            "attachments": {"type": "array"},
        },
        "additionalProperties": False,
    }
    return {
        "XapiActor": {
            "type": "object",
            "description": "The learner, known by exactly one identifier. Only `mbox` "
            "(`mailto:` and the person's email address) can make a completion; statements "
            "about actors known otherwise are accepted and ignored.",
            "properties": {
                "objectType": {"enum": list(rules.ACTOR_TYPES)},
                "name": _text(rules.MAX_NAME),
                "mbox": _text(
                    rules.MAX_MBOX, rules.MBOX_PATTERN, examples=["mailto:sam@example.org"]
                ),
                "mbox_sha1sum": {"type": "string", "pattern": rules.SHA1_PATTERN},
                "openid": _iri(),
                "account": {
                    "type": "object",
                    "required": ["homePage", "name"],
                    "properties": {
                        "homePage": _iri(),
                        "name": _text(rules.MAX_NAME, minLength=1),
                    },
                    "additionalProperties": False,
                },
                "member": {"type": "array"},
            },
            "oneOf": identifiers,
            "additionalProperties": False,
        },
        "XapiStatement": statement,
        "XapiStatements": {
            "oneOf": [
                _ref("schemas", "XapiStatement"),
                {
                    "type": "array",
                    "items": _ref("schemas", "XapiStatement"),
                    "minItems": 1,
                    "maxItems": rules.MAX_STATEMENTS,
                },
            ]
        },
        "XapiStatementIds": {
            "type": "array",
            "items": {"type": "string", "pattern": rules.UUID_PATTERN},
            "description": "The statements' ids, in the order sent.",
        },
        "XapiAbout": {
            "type": "object",
            "required": ["version"],
            "properties": {"version": {"type": "array", "items": {"type": "string"}}},
        },
    }


def _error(description: str, **more) -> dict:
    return {
        "description": description,
        "headers": {**_VERSION_HEADER, **more},
        "content": {"application/json": {"schema": _ref("schemas", "Error")}},
    }


def _responses() -> dict:
    return {
        "XapiBadRequest": _error(
            "Nothing was stored: the version header is missing or not 1.0.x, the body is not "
            "JSON statements, or a statement is malformed. `error` says which and why."
        ),
        "XapiUnauthorised": _error(
            "Nothing was stored: no HTTP Basic credentials, or a wrong or revoked key or secret.",
            **{
                "WWW-Authenticate": {
                    "description": "`Basic`, with the realm.",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
        ),
        "XapiTooLarge": _error(
            f"Nothing was stored: the body is over {rules.MAX_BODY_BYTES // 1024} KB."
        ),
        "XapiTooMany": _error("Too many requests from this address: try again in a minute."),
    }


def _paths(root: str) -> dict:
    servers = [{"url": root, "description": "The xAPI endpoint is at the site's root."}]
    return {
        "/xapi/statements": {
            "servers": servers,
            "post": {
                "operationId": "postXapiStatements",
                "tags": [TAG],
                "summary": "Send xAPI statements (live e-learning completions)",
                "description": (
                    "One statement or an array of up to "
                    f"{rules.MAX_STATEMENTS}, all or nothing. A statement with the verb "
                    "`completed` or `passed` about one of the provider's modules (its object "
                    "id is the module's activity id) and an actor `mbox` of `mailto:` and an "
                    "email address becomes that person's completion, on the UK date of its "
                    "timestamp; an address with no account waits for one. Other statements "
                    "are kept and ignored. A statement id received before changes nothing "
                    "and is answered as usual. Ids must be unique within a request."
                ),
                "security": [{"httpBasic": []}],
                "parameters": [_ref("parameters", "XapiVersion")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("schemas", "XapiStatements")}},
                },
                "responses": {
                    "200": {
                        "description": "Every statement was received (now or before).",
                        "headers": _VERSION_HEADER,
                        "content": {
                            "application/json": {"schema": _ref("schemas", "XapiStatementIds")}
                        },
                    },
                    "400": _ref("responses", "XapiBadRequest"),
                    "401": _ref("responses", "XapiUnauthorised"),
                    "413": _ref("responses", "XapiTooLarge"),
                    "429": _ref("responses", "XapiTooMany"),
                },
            },
        },
        "/xapi/about": {
            "servers": servers,
            "get": {
                "operationId": "getXapiAbout",
                "tags": [TAG],
                "summary": "The xAPI versions this endpoint speaks",
                "responses": {
                    "200": {
                        "description": "The versions, as xAPI's About resource gives them.",
                        "headers": _VERSION_HEADER,
                        "content": {"application/json": {"schema": _ref("schemas", "XapiAbout")}},
                    }
                },
            },
        },
    }


def openapi_part(root: str) -> dict:
    """The xAPI endpoint's tag, paths and components, for the API's document to merge in;
    `root` is the site's address (the endpoint is not under /api/v1)."""
    return {
        "tags": [
            {
                "name": TAG,
                "description": "Live e-learning completions from providers' systems, in xAPI "
                "1.0.3, with a key and secret an admin creates for the provider.",
            }
        ],
        "paths": _paths(root),
        "components": {
            "schemas": _schemas(),
            "parameters": {
                "XapiVersion": {
                    "name": rules.VERSION_HEADER,
                    "in": "header",
                    "required": True,
                    "description": f"The xAPI version: 1.0.x, such as {rules.VERSION}.",
                    "schema": {
                        "type": "string",
                        "pattern": rules.ACCEPTED_VERSION,
                        "examples": [rules.VERSION],
                    },
                }
            },
            "responses": _responses(),
            "securitySchemes": {
                "httpBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The key and secret an admin created for the provider on "
                    "the provider's xAPI page: the key as the user name, the secret as the "
                    "password.",
                }
            },
        },
    }
