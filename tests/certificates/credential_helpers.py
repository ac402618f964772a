"""Reading and altering VC-JWTs in tests, and checking them with jwcrypto: a second JOSE
library, independent of the joserfc that signs them."""

import base64
import json
from urllib.parse import urlsplit

from jwcrypto import jwk, jws
from jwcrypto.common import JWKeyNotFound

HOST = "https://localhost"


def part(token: str, index: int) -> dict:
    piece = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))


def encode(document: dict) -> str:
    raw = json.dumps(document, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def with_part(token: str, index: int, document: dict) -> str:
    pieces = token.split(".")
    pieces[index] = encode(document)
    return ".".join(pieces)


def jwks_of(client) -> jwk.JWKSet:
    response = client.get("/ob/jwks.json")
    assert response.status_code == 200
    return jwk.JWKSet.from_json(response.get_data(as_text=True))


def jwcrypto_verifies(token: str, keyset: jwk.JWKSet) -> bool:
    """Whether jwcrypto finds the key the header's kid names in the set and the signature
    holds (RS256 only)."""
    checked = jws.JWS()
    checked.allowed_algs = ["RS256"]
    try:
        checked.deserialize(token)
        checked.verify(keyset)
    except (
        jws.InvalidJWSSignature,
        jws.InvalidJWSObject,
        jws.InvalidJWSOperation,
        JWKeyNotFound,
    ):
        return False
    return True


def key_by_following_kid(client, token: str) -> jwk.JWK:
    """The public key found the way a verifier finds it: by fetching the header's kid."""
    kid = part(token, 0)["kid"]
    response = client.get(urlsplit(kid).path)
    assert response.status_code == 200
    return jwk.JWK.from_json(response.get_data(as_text=True))


def verify_page(client, text: str):
    from tests.conftest import post_form

    return post_form(client, "/verify/credential", {"credential": text})
