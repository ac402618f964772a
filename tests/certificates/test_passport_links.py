"""From "Your training", a person takes each certificate, or all of them, as signed credentials."""

import json
import re

from tests.certificates import signing


def test_your_training_offers_each_credential_and_the_whole_passport(
    app, client, login, make_user, make_certificate
):
    signing.install(app)
    person = make_user(name="Zoë 李")
    first = make_certificate(person.id)
    second = make_certificate(person.id)
    login(person)
    page = client.get("/my-training").get_data(as_text=True)
    links = re.findall(r'href="(/certificates/(\d+)/credential\.jwt)"', page)
    assert {int(found) for _, found in links} == {first, second}
    one = client.get(links[0][0])
    assert one.status_code == 200 and one.get_data(as_text=True).count(".") == 2

    assert 'href="/my-training/credentials.json"' in page
    passport = client.get("/my-training/credentials.json")
    tokens = json.loads(passport.get_data(as_text=True))
    assert len(tokens) == 2 and one.get_data(as_text=True).strip() in tokens
    assert 'href="/verify/credential"' in page
