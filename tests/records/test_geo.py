"""Distances, bounding boxes, nearest-first queries on real rows, and the location form fields."""

import math
import uuid
from datetime import datetime

import pytest
from geopy.distance import geodesic
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.geo import (
    ACCURACY,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    NOT_FINITE,
    CoordinateError,
    bounding_box,
    distance_m,
    near_distance_m,
    nearest_first,
    validate_coordinates,
)
from cso_field.records.location import LocationFields, apply_location

CITY_HALL = (37.9577016, -121.2907796)


def test_distance_is_geodesic_metres():
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_319.49, abs=0.01)
    assert distance_m(0, 0, 1, 0) == pytest.approx(110_574.39, abs=0.01)
    assert distance_m(*CITY_HALL, *CITY_HALL) == 0
    # Stockton City Hall to the California State Capitol, Sacramento: about 68 km.
    assert distance_m(*CITY_HALL, 38.5766, -121.4934) == pytest.approx(70_700, rel=0.02)


@pytest.mark.parametrize("latitude", [0.0, 37.95, -45.0, 60.0, 69.9, 75.0, 89.9])
def test_the_short_distance_stays_within_half_a_metre_of_the_geodesic(latitude):
    import random

    pick = random.Random(latitude)  # noqa: S311 (test points)
    for _ in range(2_000):
        start = (latitude + pick.uniform(-0.1, 0.1), pick.uniform(-180, 180))
        start = (max(-90.0, min(90.0, start[0])), start[1])
        metres = pick.choice([0.0, 1.0, pick.uniform(0, 25_000), pick.uniform(0, 300_000)])
        end = geodesic(meters=metres).destination(start, pick.uniform(0, 360))
        exact = distance_m(*start, end.latitude, end.longitude)
        assert near_distance_m(*start, end.latitude, end.longitude) == pytest.approx(exact, abs=0.5)
    # Across the antimeridian the short way round.
    assert near_distance_m(0.0, 179.999, 0.0, -179.999) == pytest.approx(222.6, abs=0.5)


def _inside(box, lat, lon) -> bool:
    min_lat, max_lat, min_lon, max_lon = box
    in_lon = min_lon <= lon <= max_lon if min_lon <= max_lon else lon >= min_lon or lon <= max_lon
    return min_lat <= lat <= max_lat and in_lon


@pytest.mark.parametrize(
    "center", [CITY_HALL, (0.0, 0.0), (-33.9, 18.4), (69.6, 18.9), (0.0, 179.9995), (-45, -180)]
)
@pytest.mark.parametrize("radius_m", [10, 1_000, 50_000])
def test_bounding_box_holds_the_whole_circle(center, radius_m):
    box = bounding_box(*center, radius_m)
    for bearing in range(0, 360, 5):
        point = geodesic(meters=radius_m * 0.9999).destination(center, bearing)
        assert _inside(box, point.latitude, point.longitude), (bearing, box)


def test_bounding_box_is_not_much_larger_than_the_circle():
    min_lat, max_lat, min_lon, max_lon = bounding_box(*CITY_HALL, 1_000)
    assert distance_m(min_lat, CITY_HALL[1], max_lat, CITY_HALL[1]) < 2_000 * 1.02
    assert distance_m(CITY_HALL[0], min_lon, CITY_HALL[0], max_lon) < 2_000 * 1.02


def test_bounding_box_at_a_pole_spans_every_longitude():
    _, max_lat, min_lon, max_lon = bounding_box(89.999, 10, 1_000)
    assert max_lat == 90 and (min_lon, max_lon) == (-180, 180)
    assert bounding_box(-89.9999, 0, 100)[0] == -90


def test_bounding_box_across_the_antimeridian_wraps():
    *_, min_lon, max_lon = bounding_box(0, 179.9999, 1_000)
    assert min_lon > max_lon
    assert 179.9 < min_lon < 180 and -180 < max_lon < -179.99


@pytest.mark.parametrize(
    ("lat", "lon", "accuracy", "code"),
    [
        (90.0001, 0, None, LATITUDE_RANGE),
        (-91, 0, 5, LATITUDE_RANGE),
        (0, 180.5, None, LONGITUDE_RANGE),
        (0, -181, None, LONGITUDE_RANGE),
        (math.nan, 0, None, NOT_FINITE),
        (0, math.inf, None, NOT_FINITE),
        (0, 0, -math.inf, NOT_FINITE),
        (0, 0, 0, ACCURACY),
        (0, 0, -3, ACCURACY),
    ],
)
def test_impossible_coordinates_are_refused_with_a_reason(lat, lon, accuracy, code):
    with pytest.raises(ValueError) as raised:
        validate_coordinates(lat, lon, accuracy)
    assert isinstance(raised.value, CoordinateError)
    assert raised.value.code == code


def test_possible_coordinates_pass():
    for lat, lon, accuracy in [(90, 180, 0.1), (-90, -180, None), (*CITY_HALL, 4000)]:
        validate_coordinates(lat, lon, accuracy)


def _note(user, lat, lon, **fields) -> FieldNote:
    note = FieldNote(
        client_uuid=uuid.uuid4(),
        submission_hash="x" * 64,
        created_by_id=user.id,
        observation=fields.pop("observation", f"at {lat}, {lon}"),
        latitude=lat,
        longitude=lon,
        **fields,
    )
    db.session.add(note)
    return note


def _offset(metres_north: float, metres_east: float = 0.0) -> tuple[float, float]:
    north = geodesic(meters=abs(metres_north)).destination(
        CITY_HALL, 0 if metres_north >= 0 else 180
    )
    point = geodesic(meters=abs(metres_east)).destination(north, 90 if metres_east >= 0 else 270)
    return point.latitude, point.longitude


def test_nearest_first_orders_real_rows_by_distance(app, users):
    user = users.cso()
    for metres in (900, 30, 450, 120, 5_000):
        _note(user, *_offset(metres), observation=f"{metres} m north")
    _note(user, *_offset(-60, 40), observation="72 m south-east")
    _note(user, *_offset(10), observation="deleted", deleted_at=datetime(2024, 1, 1))
    _note(user, None, None, observation="no location")
    db.session.commit()

    query = select(FieldNote).where(FieldNote.deleted_at.is_(None))
    found = nearest_first(query, FieldNote, *CITY_HALL, radius_m=1_000, limit=10)
    assert [note.observation for note, _ in found] == [
        "30 m north",
        "72 m south-east",
        "120 m north",
        "450 m north",
        "900 m north",
    ]
    assert [round(metres) for _, metres in found] == [30, 72, 120, 450, 900]


def test_nearest_first_stops_at_the_limit_and_widens_the_search(app, users):
    user = users.cso()
    for metres in (20, 40, 700, 1_400, 1_900):
        _note(user, *_offset(0, metres), observation=f"{metres} m east")
    db.session.commit()
    query = select(FieldNote)
    assert [n.observation for n, _ in nearest_first(query, FieldNote, *CITY_HALL, 2_000, 2)] == [
        "20 m east",
        "40 m east",
    ]
    # Few records near by: the search widens up to the radius to find the limit.
    four = nearest_first(query, FieldNote, *CITY_HALL, radius_m=2_000, limit=4)
    assert [round(metres) for _, metres in four] == [20, 40, 700, 1_400]
    assert nearest_first(query, FieldNote, 37.0, -120.0, radius_m=2_000) == []


def test_nearest_first_across_the_antimeridian(app, users):
    user = users.cso()
    _note(user, 0.0, 179.9995, observation="west of the line")
    _note(user, 0.0, -179.999, observation="east of the line")
    _note(user, 0.0, 179.9, observation="too far")
    db.session.commit()
    found = nearest_first(select(FieldNote), FieldNote, 0.0, -179.9999, radius_m=500)
    assert [note.observation for note, _ in found] == ["west of the line", "east of the line"]
    assert [round(metres) for _, metres in found] == [67, 100]


def test_nearest_first_refuses_impossible_centres(app):
    with pytest.raises(CoordinateError):
        nearest_first(select(FieldNote), FieldNote, 95, 0)


def test_the_location_index_is_used(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's plan depends on table statistics; see bench/nearest_first.py")
    box = bounding_box(*CITY_HALL, 1_000)
    sql = select(FieldNote).where(
        FieldNote.latitude.between(box[0], box[1]), FieldNote.longitude.between(box[2], box[3])
    )
    compiled = sql.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(
        str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
    )
    assert "ix_field_note_location" in plan


# The location form fields -------------------------------------------------------------


class NoteForm(LocationFields):
    pass


def _form(app, **data) -> NoteForm:
    return NoteForm(formdata=MultiDict(data), meta={"csrf": False})


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"latitude": "91", "longitude": "0"}, "latitude", "latitude must be between -90 and 90"),
        ({"latitude": "0", "longitude": "-190"}, "longitude", "longitude must be between -180"),
        ({"latitude": "nan", "longitude": "0"}, "latitude", "it must be ordinary numbers"),
        ({"latitude": "inf", "longitude": "1e400"}, "latitude", "it must be ordinary numbers"),
        ({"latitude": "abc", "longitude": "0"}, "latitude", "it must be ordinary numbers"),
        (
            {"latitude": "37.9", "longitude": "-121.3", "accuracy_m": "0"},
            "accuracy_m",
            "more than 0",
        ),
        (
            {"latitude": "37.9", "longitude": "-121.3", "accuracy_m": "-5"},
            "accuracy_m",
            "more than 0",
        ),
        ({"latitude": "37.9"}, "latitude", "needs both latitude and longitude"),
        ({"longitude": "-121.3", "address": "Main St"}, "latitude", "needs both latitude"),
        ({}, "address", "Give a location or an address"),
        ({"address": "   "}, "address", "Give a location or an address"),
        ({"address": "x" * 301}, "address", "at most 300 characters"),
        ({"address": "Main\x00St"}, "address", "control characters"),
    ],
)
def test_location_fields_refuse_bad_input_with_clear_messages(app, data, field, message):
    with app.test_request_context():
        form = _form(app, **data)
        assert not form.validate()
        assert message in " ".join(str(error) for error in form[field].errors)


def test_location_fields_accept_coordinates_or_an_address(app):
    with app.test_request_context():
        assert _form(app, latitude="37.9577", longitude="-121.2908", accuracy_m="35").validate()
        assert _form(app, latitude="37.9577", longitude="-121.2908").validate()
        assert _form(app, address="425 N El Dorado St").validate()


def test_location_can_be_optional(app):
    class OptionalLocationForm(LocationFields):
        location_required = False

    with app.test_request_context():
        form = OptionalLocationForm(formdata=MultiDict(), meta={"csrf": False})
        assert form.validate()


def test_apply_location_copies_the_values(app):
    note = FieldNote(latitude=1.0, longitude=1.0, accuracy_m=3.0, address="old")
    with app.test_request_context():
        form = _form(app, latitude="37.95770161234", longitude="-121.2907796", accuracy_m="35.26")
        assert form.validate()
        apply_location(form, note)
    assert (note.latitude, note.longitude, note.accuracy_m) == (37.9577016, -121.2907796, 35.3)
    assert note.address is None
    with app.test_request_context():
        form = _form(app, address=" 425 N El Dorado St ", accuracy_m="12")
        assert form.validate()
        apply_location(form, note)
    assert (note.latitude, note.longitude, note.accuracy_m) == (None, None, None)
    assert note.address == "425 N El Dorado St"


def _render_partial(app, **data) -> str:
    with app.test_request_context():
        form = _form(app, **data)
        form.validate()
        template = app.jinja_env.from_string('{% include "records/_location_fields.html" %}')
        return template.render(form=form, config=app.config)


def test_location_partial_works_without_javascript(app):
    page = _render_partial(app)
    assert "data-location-controls hidden" in page  # no button until the script shows it
    assert 'type="hidden"' in page and 'name="latitude"' in page
    assert 'name="address"' in page and 'autocomplete="off"' in page
    assert "Give a location or an address" in page
    assert "<script>" not in page  # no inline script (CSP)
    assert 'src="/static/js/location.js' in page
    for key in ("locating", "found", "poor", "denied", "unavailable", "timeout"):
        assert f"data-msg-{key}=" in page
    assert "{metres}" in page  # the place the script puts the rounded accuracy


def test_location_partial_shows_the_accuracy_and_warns_when_poor(app):
    good = _render_partial(app, latitude="37.9", longitude="-121.3", accuracy_m="35.4")
    assert "accurate to ±35 m." in good
    assert 'class="location-status warning"' not in good
    limit = app.config["LOCATION_ACCURACY_WARNING_M"]
    poor = _render_partial(app, latitude="37.9", longitude="-121.3", accuracy_m=str(limit + 50))
    assert 'class="location-status warning"' in poor
    assert "only accurate to" in poor
