"""Open Badges 3.0: the issuer profile, its public keys, the revocation status list, and
a person's credentials to download."""

from flask import Blueprint

bp = Blueprint("badges", __name__)
