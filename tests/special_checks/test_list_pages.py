"""The checks' list pages stay bounded: no query per row, at most 50 rows on a screen, and
"Load more" reaches every row (DESIGN.md, "No screen renders more than 50 rows")."""

import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from cso_field.extensions import db
from cso_field.timeutil import department_today
from tests.factories import HERE, make_check, page, visit

ROW = re.compile(r'<li class="record[ "]')
MORE = re.compile(r'<li class="load-more"><a class="button-secondary" href="([^"]+)"')


@contextmanager
def counted_statements():
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _statements_for(client, path: str) -> int:
    with counted_statements() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def _checks_with_problems(users, how_many: int, first: int) -> None:
    """Checks, each with a problem found by its own officer (a name on every row)."""
    for number in range(first, first + how_many):
        officer = users.cso(display_name=f"Officer {number}")
        check = make_check(address=f"{number} Problem St")
        visit(check, officer, "suspicious", notes="Gate forced")
        make_check(address=f"{number} Quiet St", start_date=department_today() - timedelta(5))


def test_the_overview_runs_as_many_statements_for_many_checks_as_for_few(client, users, login):
    login(users.senior())
    _checks_with_problems(users, 2, first=1)
    few = _statements_for(client, "/checks/overview")
    sections_few = _statements_for(client, "/checks/overview/problems")

    _checks_with_problems(users, 12, first=3)
    text = page(client.get("/checks/overview"))
    assert "Officer 14" in text and "Officer 1<" not in text  # newest problems, named
    assert _statements_for(client, "/checks/overview") == few
    assert _statements_for(client, "/checks/overview/problems") == sections_few


def _rows_following_more(client, path: str) -> list[str]:
    """Every row's text, page by page through "Load more" as a browser without JavaScript."""
    rows = []
    while path:
        text = page(client.get(path))
        shown = [part.split("</li>", 1)[0] for part in ROW.split(text)[1:]]
        assert len(shown) <= 50
        rows += shown
        more = MORE.search(text)
        path = more.group(1).replace("&amp;", "&") if more else None
    return rows


def _addresses(rows: list[str]) -> list[int]:
    found = (re.search(r"(\d+) Row St", row) for row in rows)
    return [int(match.group(1)) for match in found if match]


def test_todays_checks_show_20_at_once_and_load_more_reaches_every_one(cso_client):
    for number in range(1, 56):
        make_check(address=f"{number} Row St", end_date=department_today() + timedelta(number))

    first = page(cso_client.get("/checks/"))
    assert len(ROW.findall(first)) == 20
    assert sorted(_addresses(_rows_following_more(cso_client, "/checks/"))) == list(range(1, 56))
    fragment = cso_client.get("/checks/?page=3", headers={"HX-Request": "true"})
    assert "<html" not in page(fragment) and "55 Row St" in page(fragment)


def test_nearest_checks_load_more_in_distance_order_then_the_unplaced(cso_client):
    for number in range(1, 52):
        make_check(address=f"{number} Row St", latitude=HERE[0] + number * 0.0001)
    make_check(address="99 Row St", latitude=None, longitude=None)

    path = f"/checks/?lat={HERE[0]}&lon={HERE[1]}"
    assert _addresses(_rows_following_more(cso_client, path)) == [*range(1, 52), 99]


def test_overview_sections_show_a_few_rows_and_their_pages_load_more(client, users, login):
    login(users.senior())
    for number in range(1, 56):
        make_check(address=f"{number} Row St", end_date=department_today() + timedelta(number))

    overview = page(client.get("/checks/overview"))
    assert len(ROW.findall(overview)) <= 50
    active = overview[overview.index('id="active"') :]
    assert len(ROW.findall(active)) == 10 and "/checks/overview/active" in active
    rows = _rows_following_more(client, "/checks/overview/active")
    assert _addresses(rows) == list(range(1, 56))


def test_starting_soon_shows_five_and_its_page_has_them_all(cso_client):
    today = department_today()
    for number in range(1, 13):
        make_check(address=f"{number} Row St", start_date=today + timedelta(2))

    text = page(cso_client.get("/checks/"))
    soon = text[text.index('id="starting-soon"') :]
    assert len(ROW.findall(soon)) == 5 and "/checks/starting" in soon
    assert _addresses(_rows_following_more(cso_client, "/checks/starting")) == list(range(1, 13))
