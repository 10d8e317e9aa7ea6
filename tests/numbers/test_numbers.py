"""District numbers: counts kept as records are written, changed and deleted (checked against a
recount), periods, the charts with their tables, the print page and its PDF, who may see them."""

import io
import json
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.numbers import services, tally
from cso_field.numbers.models import ALL_DISTRICTS, DayCount
from cso_field.records import services as records
from cso_field.timeutil import department_today
from tests.factories import make_check, page, visit

BOX = {"min_latitude": 0, "max_latitude": 1, "min_longitude": 0, "max_longitude": 1}


@pytest.fixture
def districts(app):
    north, south = (
        District(name="North", geometry="{}", **BOX),
        District(name="South", geometry="{}", **BOX),
    )
    db.session.add_all([north, south])
    db.session.commit()
    return north, south


def _kept() -> set:
    return {
        (row.grain, row.district_key, row.day, row.figure, row.outcome, row.count, row.amount_cents)
        for row in db.session.scalars(select(DayCount)).all()
        if row.count or row.amount_cents
    }


def _figure(rows, key):
    return next(row for row in rows if row.figure.key == key)


def test_counts_follow_every_write_and_match_a_recount(app, users, districts):
    north, south = districts
    officer, senior = users.cso(), users.senior()
    check = make_check(district_id=north.id)
    first = visit(check, officer, outcome="suspicious")
    second = visit(check, officer, outcome="all_secure")
    db.session.commit()
    month = services.period("month", department_today())
    rows = services.figures(north.id, month)
    done = _figure(rows, "check_visit")
    assert done.count == 2 and [count for _label, count in done.outcomes][:4] == [1, 0, 0, 1]
    assert _figure(services.figures(south.id, month), "check_visit").count == 0
    assert _figure(services.figures(None, month), "check_visit").count == 2
    # Moved to another district, reviewed, then deleted: each change moves the counts.
    first.district_id = south.id
    db.session.commit()
    assert _figure(services.figures(south.id, month), "check_visit").count == 1
    with app.test_request_context():
        records.delete(second, officer, "Wrong house")
        db.session.commit()
        records.approve(first, senior)
        db.session.commit()
    assert _figure(services.figures(north.id, month), "check_visit").count == 0
    assert _figure(services.figures(None, month), "check_visit").count == 1
    kept = _kept()
    with app.app_context():
        tally.rebuild()
    assert _kept() == kept


def test_an_expired_record_changed_without_reading_it_still_moves_its_count(app, users, districts):
    north, south = districts
    check = make_check(district_id=north.id)
    made = visit(check, users.cso())
    db.session.commit()  # expires every attribute: the old district is not loaded
    made.district_id = south.id
    db.session.commit()
    month = services.period("month", department_today())
    assert _figure(services.figures(north.id, month), "check_visit").count == 0
    assert _figure(services.figures(south.id, month), "check_visit").count == 1


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        ("week", date(2026, 12, 7), date(2026, 12, 13)),
        ("month", date(2026, 12, 1), date(2026, 12, 31)),
        ("quarter", date(2026, 10, 1), date(2026, 12, 31)),
        ("year", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods_hold_the_day_asked_for(kind, first, last):
    chosen = services.period(kind, date(2026, 12, 9))
    assert (chosen.first, chosen.last) == (first, last)


def test_a_long_period_reads_months_and_the_days_around_them(app, users, districts):
    north, _south = districts
    check = make_check(district_id=north.id)
    officer = users.cso()
    days_back = [1, 40, 75, 200]
    for days in days_back:
        visit(check, officer, days_ago=days)
    db.session.commit()
    today = department_today()
    for days in (30, 60, 100, 365):
        first = today - timedelta(days=days)
        chosen = services.period("custom", today, first, today)
        expected = sum(1 for back in days_back if back <= days)
        assert _figure(services.figures(north.id, chosen), "check_visit").count == expected, days


def test_bad_custom_periods_are_refused():
    for first, last, code in (
        (None, date(2026, 1, 1), "custom_dates"),
        (date(2026, 2, 1), date(2026, 1, 1), "custom_order"),
        (date(2010, 1, 1), date(2026, 1, 1), "custom_length"),
    ):
        with pytest.raises(services.PeriodError) as raised:
            services.period("custom", date(2026, 1, 1), first, last)
        assert raised.value.code == code


def test_the_page_shows_charts_tables_and_the_overdue_extension_point(
    app, client, users, login, districts
):
    north, _south = districts
    visit(make_check(district_id=north.id), users.cso(), outcome="forced_entry")
    db.session.commit()
    login(users.senior())
    body = page(client.get(f"/numbers/?district={north.id}&period=month"))
    assert "<svg" in body and 'aria-hidden="true"' in body
    assert (
        'data-figure="check_visit"><th scope="row">Special checks done</th><td class="num">1<'
        in body
    )
    assert "Signs of forced entry" in body and "Citations issued" in body
    assert 'data-figure="overdue_work"><th scope="row">Overdue work</th>' in body
    assert "North" in body
    bad = client.get("/numbers/?period=custom&first=2026-02-01&last=2026-01-01")
    assert bad.status_code == 422 and "The last day comes before the first." in page(bad)
    assert 'value="2026-02-01"' in page(bad)


def test_print_page_and_pdf_share_the_template(app, client, users, login, districts):
    north, _south = districts
    visit(make_check(district_id=north.id), users.cso(), outcome="suspicious")
    db.session.commit()
    login(users.senior(display_name="Sam Senior"))
    printed = page(client.get(f"/numbers/print?district={north.id}"))
    assert "District numbers" in printed and "Printed" in printed and "Sam Senior" in printed
    response = client.get(f"/numbers/summary.pdf?district={north.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "District numbers" in text and "North" in text and "Special checks done" in text


def test_spanish_summary(app, client, users, login):
    login(users.senior(locale="es"))
    assert "Cifras del distrito" in page(client.get("/numbers/print"))


def test_cso_is_refused_district_numbers(client, users, login):
    login(users.cso())
    for path in ("/numbers/", "/numbers/print", "/numbers/summary.pdf"):
        assert client.get(path).status_code == 403


def test_all_districts_are_kept_beside_each(app, users, districts):
    north, south = districts
    officer = users.cso()
    visit(make_check(district_id=north.id), officer)
    visit(make_check(district_id=south.id), officer)
    db.session.commit()
    everywhere = db.session.scalars(
        select(DayCount).where(
            DayCount.district_key == ALL_DISTRICTS, DayCount.figure == "check_visit"
        )
    ).all()
    assert {row.count for row in everywhere} == {2}


def test_new_district_boundaries_move_the_counts(app, users):
    from cso_field.districts.services import parse_geojson, replace_districts

    made = visit(make_check(), users.cso())
    made.latitude, made.longitude = 37.9577, -121.2908
    db.session.commit()
    square = [[-121.3, 37.95], [-121.28, 37.95], [-121.28, 37.97], [-121.3, 37.97], [-121.3, 37.95]]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Downtown"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    with app.test_request_context():
        (downtown,) = replace_districts(parse_geojson(json.dumps(geojson)))
        db.session.commit()
    month = services.period("month", department_today())
    assert _figure(services.figures(downtown.id, month), "check_visit").count == 1
