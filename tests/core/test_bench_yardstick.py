"""The benchmark's yardstick (bench/reference.py) and its count of list rows (bench/speed.py)."""

import pytest

from bench.reference import REFERENCE_PATH, REFERENCE_ROWS, reference
from bench.speed import list_rows
from tests.factories import make_check, page, visit


@pytest.fixture
def bench_app(make_app):
    app = make_app()
    app.register_blueprint(reference)
    with app.app_context():
        yield app


def test_the_reference_page_is_for_signed_in_staff(bench_app):
    response = bench_app.test_client().get(REFERENCE_PATH)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_reference_page_shows_the_newest_visits_in_base_html(bench_app, users, login):
    cso = users.cso()
    check = make_check()
    visits = [visit(check, cso, days_ago=days) for days in range(REFERENCE_ROWS + 5, 0, -1)]
    client = login(cso, test_client=bench_app.test_client())
    html = page(client.get(REFERENCE_PATH))
    assert list_rows(html) == REFERENCE_ROWS
    assert 'class="app-nav"' in html  # base.html, signed in
    newest, oldest_shown = visits[-1].reference, visits[-REFERENCE_ROWS].reference
    assert html.index(newest) < html.index(oldest_shown)
    assert visits[-REFERENCE_ROWS - 1].reference not in html


def test_list_rows_are_the_items_and_body_rows_of_main():
    html = """<nav><ul><li>Today</li><li>New</li></ul></nav>
    <main><ul><li>one</li><li>two</li><li class="load-more"><a>Load more</a></li></ul>
    <table><thead><tr><th>When</th></tr></thead><tbody><tr><td>a</td></tr></tbody></table>
    </main>"""
    assert list_rows(html) == 3
