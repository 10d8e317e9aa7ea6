"""Bad input on the sign-in and settings forms: a clear message and a 4xx, never a 500."""

import pytest

from tests.factories import PASSWORD

HUGE = "x" * 10_000
NASTY = ["", HUGE, "a\x00b", "\x1b[31m", "\u202eevil", "<script>alert(1)</script>", "' OR 1=1 --"]


@pytest.mark.parametrize("username", NASTY)
@pytest.mark.parametrize("password", ["", HUGE, "pass\x00word", PASSWORD])
def test_login_form(client, users, username, password):
    response = client.post("/login", data={"username": username, "password": password})
    assert 400 <= response.status_code < 500
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    if username in ("", HUGE, "a\x00b", "\x1b[31m") or password in ("", HUGE, "pass\x00word"):
        assert 'class="error"' in page


def test_login_form_with_repeated_fields_and_no_fields(client):
    assert client.post("/login", data={}).status_code == 422
    response = client.post("/login", data={"username": ["a", "b"], "password": ["c", "d"]})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"current_password": HUGE, "new_password": HUGE, "confirm_password": HUGE},
        {
            "current_password": PASSWORD,
            "new_password": "a\x00" * 10,
            "confirm_password": "a\x00" * 10,
        },
        {
            "current_password": PASSWORD,
            "new_password": "long enough one",
            "confirm_password": "other",
        },
    ],
)
def test_password_form(client, users, login, data):
    login(users.cso())
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["", HUGE, "es\x00", ["es", "en"], "../../etc/passwd"])
def test_language_form(client, locale):
    response = client.post("/language", data={"locale": locale, "next": "//evil.example"})
    assert response.status_code == 422 or response.location == "/today"


@pytest.mark.parametrize("value", [HUGE, "\x07bell", "99999999999999999999"])
def test_edit_account_form(client, users, login, value):
    cso = users.cso()
    login(users.admin())
    response = client.post(
        f"/accounts/{cso.id}/edit",
        data={"display_name": value, "role": value, "new_password": value},
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "path", ["/accounts/abc/edit", "/accounts/-1/unlock", "/accounts/99999999999999999999/edit"]
)
def test_wrong_types_in_urls_are_404(client, users, login, path):
    login(users.admin())
    assert client.get(path).status_code in (404, 405)
