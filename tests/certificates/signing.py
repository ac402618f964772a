"""One RSA key for the whole test run (making one per test is slow), installed into a test's
SIGNING_KEYS_DIR as the partnership's signing key."""

import functools
import os
from pathlib import Path

from joserfc.jwk import RSAKey

from lms.certificates import keys
from lms.certificates.models import SigningKey
from lms.core.models import utcnow
from lms.extensions import db


@functools.cache
def test_pem() -> bytes:
    return RSAKey.generate_key(2048, private=True).as_pem(private=True)


def install(app, pem: bytes | None = None) -> str:
    """Put the key's private file in the app's SIGNING_KEYS_DIR and publish its public key;
    returns its kid. It signs new credentials, being the newest key."""
    pem = pem or test_pem()
    private_key = RSAKey.import_key(pem)
    kid = private_key.thumbprint()
    with app.app_context():
        if keys.by_kid(kid) is not None:
            return kid
    directory = Path(app.config["SIGNING_KEYS_DIR"])
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{kid}.pem"
    path.write_bytes(pem)
    os.chmod(path, 0o600)
    with app.app_context():
        db.session.add(
            SigningKey(kid=kid, public_jwk=keys.public_jwk(private_key, kid), created_at=utcnow())
        )
        db.session.commit()
    return kid
