"""Sending xAPI statements as a provider's system does, for the xAPI tests."""

import base64
import uuid
from dataclasses import dataclass

from lms.catalogue.models import Course, Provider
from lms.core.models import utcnow
from lms.elearning import credentials
from lms.extensions import db

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"


@dataclass
class Sender:
    """A provider with a module and a live credential."""

    provider_id: int
    module_id: int
    activity_id: str
    credential_id: int
    key: str
    secret: str

    def auth(self, key: str | None = None, secret: str | None = None) -> dict:
        return basic(key or self.key, secret or self.secret)


def basic(key: str, secret: str) -> dict:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def make_sender(app, make_module, make_user, *, provider_id=None) -> Sender:
    """A provider's module and a credential for the provider, created as an admin would."""
    from lms.accounts.models import Role, User

    module_id = make_module(provider_id=provider_id)
    admin = make_user(roles=(Role.ADMIN,))
    with app.app_context():
        module = db.session.get(Course, module_id)
        provider = db.session.get(Provider, module.provider_id)
        credential, secret = credentials.create(
            provider, "Learning record store", by=db.session.get(User, admin.id), now=utcnow()
        )
        db.session.commit()
        return Sender(
            provider.id, module_id, module.activity_id, credential.id, credential.key, secret
        )


def statement(email: str, activity_id: str, *, verb=COMPLETED, timestamp=None, **more) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Sam Learner", "mbox": f"mailto:{email}"},
        "verb": {"id": verb, "display": {"en-GB": verb.rsplit("/", 1)[1]}},
        "object": {
            "objectType": "Activity",
            "id": activity_id,
            "definition": {"name": {"en-GB": "Safeguarding children level 1"}},
        },
        "timestamp": timestamp or "2026-03-10T10:15:00Z",
    }
    body.update(more)
    return body


def post(client, sender: Sender | None, body, *, headers=None, version="1.0.3", **kwargs):
    sent = {} if sender is None else sender.auth()
    if version is not None:
        sent["X-Experience-API-Version"] = version
    sent.update(headers or {})
    if "data" in kwargs:
        return client.post("/xapi/statements", headers=sent, **kwargs)
    return client.post("/xapi/statements", json=body, headers=sent, **kwargs)
