"""Error pages a resident can reach speak the resident's language and lead back to the
resident's form; staff pages keep the staff error page."""

import re

import pytest
from flask import Blueprint, abort, request

from cso_field.errors import RESIDENT_MESSAGES
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.roles import public
from tests.factories import FORM, checks_saved, page, resident_text, spanish_request

STAFF_ADVICE = "administrator"


def _resident_error_page(app, response, code: str, status: int, title: str) -> str:
    text = page(response)
    assert response.status_code == status
    assert f'<html lang="{code}"' in text
    assert resident_text(app, code, title) in text
    assert f'href="/check-request/?lang={code}"' in text
    assert STAFF_ADVICE not in text and 'href="/login"' not in text
    return text


def test_an_unknown_resident_address_is_not_found_in_khmer_with_the_way_back(app, client):
    response = client.get(f"{FORM}x?lang=km", headers={"Accept-Language": "en"})
    _resident_error_page(app, response, "km", 404, "We could not find this page")


def test_a_resident_error_page_follows_the_phone_language_without_lang(app, client):
    response = client.get(f"{FORM}no/such/page", headers={"Accept-Language": "vi-VN"})
    _resident_error_page(app, response, "vi", 404, "We could not find this page")


def test_a_staff_address_keeps_the_staff_error_page(app, client):
    response = client.get("/no/such/page?lang=km", headers={"Accept-Language": "km"})
    assert response.status_code == 404
    assert '<html lang="en"' in response.text
    assert "Page not found" in response.text


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def test_an_expired_request_form_comes_back_in_spanish_with_what_was_typed(csrf_app):
    client = csrf_app.test_client()
    data = {**spanish_request(), "pets": "Dos perros", "csrf_token": "expired-token"}
    response = client.post(f"{FORM}?lang=es", data=data)
    text = page(response)
    assert response.status_code == 400
    assert '<html lang="es"' in text
    expired = (
        "For your security, this form expired before it was sent. What you typed is still "
        "below: please check it and send the form again."
    )
    assert resident_text(csrf_app, "es", expired) in text
    assert 'value="María López"' in text and 'value="Dos perros"' in text
    assert checks_saved() == 0
    # The page carries a fresh token: sending it again is accepted.
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)
    again = client.post(f"{FORM}?lang=es", data={**data, "csrf_token": token})
    assert again.status_code == 201 and checks_saved() == 1


def test_an_expired_form_elsewhere_on_resident_pages_is_a_translated_page(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/check-request/manage/no-such-token?lang=es", data={})
    _resident_error_page(csrf_app, response, "es", 400, "This form has expired")


def test_an_oversized_request_is_refused_in_spanish(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024)
    with app.app_context():
        response = app.test_client().post(
            f"{FORM}?lang=es", data={**spanish_request(), "instructions": "x" * (2 * 1024 * 1024)}
        )
        _resident_error_page(app, response, "es", 413, "What you sent is too large")
        assert checks_saved() == 0


def test_too_many_requests_are_refused_in_spanish_with_the_way_back(make_app):
    app = make_app(CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=1)
    with app.app_context():
        client = app.test_client()
        assert client.post(f"{FORM}?lang=es", data=spanish_request()).status_code == 201
        refused = client.post(f"{FORM}?lang=es", data=spanish_request())
        _resident_error_page(app, refused, "es", 429, "Too many requests")


def _broken_app(make_app):
    app = make_app(
        TESTING=False, PROPAGATE_EXCEPTIONS=False, PUBLIC_BASE_URL="https://cso.example.org"
    )
    broken = Blueprint("broken_resident", __name__)

    @broken.get("/check-request/broken")
    @broken.get("/staff-broken")
    @public
    def explode():
        raise RuntimeError("secret internals")

    app.register_blueprint(broken)
    return app


def test_an_unexpected_error_on_a_resident_page_is_in_the_resident_language(make_app, caplog):
    app = _broken_app(make_app)
    with app.app_context():
        response = app.test_client().get("/check-request/broken?lang=hmn")
        text = _resident_error_page(app, response, "hmn", 500, "Something went wrong on our side")
        assert "secret internals" not in text and "Traceback" not in text
        reference = re.search(r"([0-9A-F]{12})</span></p>", text).group(1)
        assert reference in caplog.text


def test_an_unexpected_error_on_a_staff_page_keeps_the_staff_page(make_app):
    app = _broken_app(make_app)
    with app.app_context():
        response = app.test_client().get("/staff-broken?lang=hmn")
        assert response.status_code == 500
        assert '<html lang="en"' in response.text
        assert "tell an administrator" in response.text


def test_a_private_link_that_does_not_work_leads_back_to_the_form_in_the_language(app, client):
    response = client.get(f"{FORM}manage/no-such-link?lang=es")
    text = page(response)
    assert response.status_code == 404
    assert '<html lang="es"' in text
    assert resident_text(app, "es", "This link does not work") in text
    assert 'href="/check-request/?lang=es"' in text and STAFF_ADVICE not in text


def test_an_anonymous_visitor_at_the_start_page_gets_the_resident_page(make_app):
    app = make_app(
        TESTING=False, PROPAGATE_EXCEPTIONS=False, PUBLIC_BASE_URL="https://cso.example.org"
    )

    @app.before_request
    def explode():
        if request.path == "/":
            raise RuntimeError("secret internals")

    with app.app_context():
        response = app.test_client().get("/?lang=tl")
        _resident_error_page(app, response, "tl", 500, "Something went wrong on our side")


@pytest.mark.parametrize("code", sorted(RESIDENT_LANGUAGES))
def test_every_resident_error_page_is_in_every_language(make_app, code):
    app = make_app()
    failing = Blueprint("failing_resident", __name__)

    @failing.get("/check-request/fail/<int:status>")
    @public
    def fail(status):
        abort(status)

    app.register_blueprint(failing)
    with app.app_context():
        client = app.test_client()
        for status, messages in RESIDENT_MESSAGES.items():
            with app.test_request_context():
                title, explanation = (str(message) for message in messages)  # English
            response = client.get(f"/check-request/fail/{status}?lang={code}")
            text = _resident_error_page(app, response, code, status, title)
            assert resident_text(app, code, explanation) in text
            if code != "en":
                assert title not in text and explanation not in text
