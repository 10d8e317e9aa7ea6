"""Requests an attacker crafts: forwarded headers from a client that is no proxy, redirect
targets with newlines, and query strings that collide with the app's own URL building."""

import pytest

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.redirects import safe_redirect_target
from cso_field.roles import Role
from tests.factories import PASSWORD, UserFactory

# -- Forwarded headers (finding 4) -------------------------------------------------------------


def _failed_logins(client, count: int, environ_base=None, forwarded=True) -> list[int]:
    statuses = []
    for number in range(count):
        headers = {"X-Forwarded-For": f"198.51.100.{number}"} if forwarded else {}
        response = client.post(
            "/login",
            data={"username": "nobody", "password": "wrong password here"},
            headers=headers,
            environ_base=environ_base or {},
        )
        statuses.append(response.status_code)
    return statuses


def test_a_client_that_is_no_proxy_cannot_choose_its_address(make_app):
    app = make_app(PROXY_COUNT=1, FORWARDED_ALLOW_IPS="10.0.0.1", ADDRESS_THROTTLE_LIMIT=3)
    with app.app_context():
        statuses = _failed_logins(app.test_client(), 5, {"REMOTE_ADDR": "203.0.113.7"})
        assert statuses[-1] == 429  # each forged X-Forwarded-For changed nothing
        addresses = set(db.session.scalars(db.select(AuditEvent.client_address)))
        assert addresses == {"203.0.113.7"}


def test_the_configured_proxy_is_trusted(make_app):
    app = make_app(PROXY_COUNT=1, FORWARDED_ALLOW_IPS="10.0.0.1", ADDRESS_THROTTLE_LIMIT=3)
    with app.app_context():
        statuses = _failed_logins(app.test_client(), 5, {"REMOTE_ADDR": "10.0.0.1"})
        assert 429 not in statuses  # five different residents behind the proxy
        addresses = set(db.session.scalars(db.select(AuditEvent.client_address)))
        assert "198.51.100.4" in addresses and "10.0.0.1" not in addresses


def test_proxies_may_be_named_by_network(make_app):
    app = make_app(PROXY_COUNT=1, FORWARDED_ALLOW_IPS="10.0.0.0/8, ::1")
    with app.app_context():
        response = app.test_client().get(
            "/login",
            headers={"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "10.2.3.4"},
        )
        assert response.status_code == 200
        assert "Strict-Transport-Security" in response.headers  # the proxy said https


# -- Redirect targets (finding 9) ------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/menu\nenv;",
        "/today\r\nX: y",
        "/today\x00",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "today",
        "/\t/evil.example",
        " /today",
        "/" + "a" * 3000,
    ],
)
def test_unsafe_redirect_targets_fall_back_to_the_default(target):
    assert safe_redirect_target(target, "/today") == "/today"


@pytest.mark.parametrize("target", ["/today", "/notes/?district=2&page=3", "/checks/12#visit"])
def test_same_site_paths_are_kept(target):
    assert safe_redirect_target(target, "/x") == target


def test_a_newline_in_the_language_forms_next_is_no_500(client):
    response = client.post("/language", data={"locale": "es", "next": "/menu\nenv;"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/today")


def test_a_newline_in_next_after_a_correct_sign_in_is_no_500(client, users):
    user = users.cso()
    response = client.post(
        "/login?next=/today%0AX:%20y", data={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/today")
    assert "X" not in response.headers


# -- Query strings on every page (finding 7) ---------------------------------------------------

HOSTILE_QUERIES = [
    "_method=POST",
    "_external=1&_anchor=x&_scheme=javascript",
    "page=-1&page=99999999999999999999",
    "page=99999999999999999999",
    "page=1e400&district=1e400",
    "q=%00&q=%0a&outcome=%ff",
    "lat=nan&lon=inf",
    "lat=91&lon=-181",
    "since=2026-02-30&until=0000-00-00",
    "next=/a%0Ab&lang=../../etc",
    "lang=%E2%80%AE&q=" + "x" * 5000,
]


def _get_pages(app) -> list[str]:
    """Every GET page whose URL needs no value from a record."""
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            pages.append(rule.rule)
    return sorted(pages)


@pytest.mark.parametrize("role", [None, Role.CSO, Role.SENIOR_CSO, Role.ADMIN])
def test_hostile_query_strings_never_answer_500(make_app, role):
    app = make_app(AUDIT_PAGE_SIZE=1)  # so lists have pages, and links to them
    with app.app_context():
        client = app.test_client()
        if role is not None:
            user = UserFactory(app).create(role)
            for _attempt in range(3):  # audit rows enough for a second page
                client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert not _server_errors(app, client)


def _server_errors(app, client) -> list[str]:
    failures = []
    for page in _get_pages(app):
        for query in HOSTILE_QUERIES:
            status = client.get(f"{page}?{query}").status_code
            if status >= 500:
                failures.append(f"{page}?{query[:40]} -> {status}")
    return failures


def test_every_list_page_is_tried(app):
    # Pages of one record are reached with hostile bodies by test_fuzz_forms and test_access_matrix.
    pages = set(_get_pages(app))
    assert {"/audit/", "/notes/", "/checks/", "/checks/overview", "/search/", "/accounts/"} <= pages
