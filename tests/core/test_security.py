"""Security headers, CSRF, cookies and error pages."""

import re

import pytest
from flask import Blueprint

from cso_field.roles import public
from tests.factories import PASSWORD


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_pages_behind_login_are_never_cached(client, users, login):
    login(users.cso())
    for path in ("/today", "/menu", "/account/password"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_static_files_are_versioned_and_cacheable(client):
    page = client.get("/login").get_data(as_text=True)
    css_url = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page).group(1)
    response = client.get(css_url)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://cso.example.org")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_session_cookie_flags_in_production(make_app, users):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/login", base_url="https://cso.example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_production_config_marks_cookies_secure(monkeypatch):
    from cso_field.config import load_config

    monkeypatch.setenv("CSO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert load_config("/tmp")["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("CSO_ENV", "development")
    assert load_config("/tmp")["SESSION_COOKIE_SECURE"] is False


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def _csrf_token(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_form_post_without_csrf_token_is_refused(csrf_app, users):
    cso = users.cso()
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": cso.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    token = _csrf_token(client)
    response = client.post(
        "/login", data={"username": cso.username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_htmx_request_needs_the_csrf_header(csrf_app, users):
    locked = users.cso(username="locked.user")
    senior = users.senior()
    client = csrf_app.test_client()
    token = _csrf_token(client)
    client.post(
        "/login", data={"username": senior.username, "password": PASSWORD, "csrf_token": token}
    )
    page = client.get("/accounts/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    url = f"/accounts/{locked.id}/unlock"
    refused = client.post(url, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.get_data(as_text=True)  # a notice, not a whole page
    accepted = client.post(url, headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert accepted.status_code == 200


def test_error_pages_are_translated_and_carry_a_reference(client, caplog):
    response = client.get("/no/such/page", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="es"' in page
    reference = re.search(r"Referencia: <span class=\"ref\">([0-9A-F]{12})</span>", page).group(1)
    assert reference in caplog.text


def test_method_not_allowed_page(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "not allowed" in response.get_data(as_text=True)


def test_too_large_request_gets_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024 * 1024).test_client()
    response = client.post("/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_unexpected_error_shows_no_stack_trace(make_app, caplog):
    app = make_app(
        TESTING=False, PROPAGATE_EXCEPTIONS=False, PUBLIC_BASE_URL="https://cso.example.org"
    )
    broken = Blueprint("broken", __name__)

    @broken.get("/broken")
    @public
    def explode():
        raise RuntimeError("secret internals")

    app.register_blueprint(broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "secret internals" not in page and "Traceback" not in page
    reference = re.search(r"Reference: <span class=\"ref\">([0-9A-F]{12})</span>", page).group(1)
    assert reference in caplog.text and "secret internals" in caplog.text
