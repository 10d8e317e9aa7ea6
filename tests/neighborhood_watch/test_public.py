"""Neighborhood Watch, the resident's side: the public sign-up page in the resident's
language, without an account, limited per address and hour."""

import re
import uuid

from sqlalchemy import func, select

from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.neighborhood_watch.models import WatchSignup
from tests.factories import page, resident_text

URL = "/neighborhood-watch/"


def _data(**overrides) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "name": "Trần Thị Lan",
        "phone": "209-555-0123",
        "email": "",
        "language": "vi",
        "address": "12 Elm St",
        "willing_host": "y",
        "submit": "1",
        **overrides,
    }


def _saved() -> int:
    return db.session.scalar(select(func.count(WatchSignup.id)))


def test_the_page_is_in_the_language_asked_for_with_every_language_offered(app, client):
    for code in ("es", "vi", "km", "hmn", "tl", "pa"):
        text = page(client.get(f"{URL}?lang={code}", headers={"Accept-Language": "en"}))
        assert f'<html lang="{code}"' in text
        assert resident_text(app, code, "Join Neighborhood Watch") in text
        assert resident_text(app, code, "I would be a block captain") in text
    for language in RESIDENT_LANGUAGES.values():
        assert f'<option value="{language.code}" lang="{language.code}"' in text
    honeypot = re.search(r"<input[^>]*name=\"website\"[^>]*>", text).group(0)
    assert 'tabindex="-1"' in honeypot and 'aria-hidden="true"' in honeypot
    assert '<html lang="vi"' in client.get(URL, headers={"Accept-Language": "vi-VN"}).text


def test_a_vietnamese_resident_signs_up_once_and_gets_a_reference(app, client):
    data = _data()
    response = client.post(f"{URL}?lang=vi", data=data)
    text = page(response)
    assert response.status_code == 201 and '<html lang="vi"' in text
    assert resident_text(app, "vi", "Thank you for signing up") in text
    signup = db.session.scalar(select(WatchSignup))
    assert signup.reference in text
    assert (signup.name, signup.language, signup.source) == ("Trần Thị Lan", "vi", "online")
    assert signup.willing_host and not signup.willing_captain and signup.created_by_id is None
    again = client.post(f"{URL}?lang=vi", data=data)
    assert again.status_code == 200 and _saved() == 1


def test_a_sign_up_without_phone_or_email_is_refused_in_the_residents_language(app, client):
    response = client.post(f"{URL}?lang=es", data=_data(phone="", name="Ana Ruiz"))
    text = page(response)
    assert response.status_code == 422 and '<html lang="es"' in text
    assert "Ana Ruiz" in text
    message = "Give a phone number or an email address, so we can reach you."
    assert resident_text(app, "es", message) in text
    bad_email = page(client.post(f"{URL}?lang=es", data=_data(phone="", email="not-an-email")))
    assert resident_text(app, "es", "Enter an email address like name@example.com.") in bad_email
    assert _saved() == 0


def test_a_robot_filling_the_honeypot_is_turned_away(client):
    response = client.post(URL, data=_data(website="http://spam.example"))
    assert response.status_code == 422 and _saved() == 0


def test_sign_ups_from_one_address_are_limited_per_hour(make_app):
    app = make_app(WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR=2)
    client = app.test_client()
    with app.app_context():
        for _ in range(2):
            assert client.post(f"{URL}?lang=km", data=_data()).status_code == 201
        refused = client.post(f"{URL}?lang=km", data=_data())
        assert refused.status_code == 429 and '<html lang="km"' in page(refused)
        assert resident_text(app, "km", "Too many requests") in page(refused)
        assert _saved() == 2
