"""Geocoding through real geopy against a local Nominatim look-alike: results, cache, failures."""

import json
import logging
import time
import uuid

import pytest
from geopy.extra.rate_limiter import RateLimiter
from sqlalchemy import func, select

from cso_field import geocoding
from cso_field.districts.models import District
from cso_field.districts.services import locate, parse_geojson, replace_districts
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.geocoding import GeocodeCache, forward, reverse
from tests.geocoder_stub import BAD_JSON, SERVER_ERROR, SLOW, NominatimStub, Place, closed_port_url

CITY_HALL = Place(
    37.9577016,
    -121.2907796,
    "Stockton City Hall, 425 North El Dorado Street, Stockton, San Joaquin County, "
    "California, 95202, United States",
    road="North El Dorado Street",
)
CITY_HALL_QUERY = "425 north el dorado street, stockton"


@pytest.fixture
def stub():
    nominatim = NominatimStub(places={CITY_HALL_QUERY: CITY_HALL}).start()
    yield nominatim
    nominatim.stop()


@pytest.fixture(autouse=True)
def geocoding_log():
    """Alembic's env.py (fileConfig) disables loggers that exist when tests migrate."""
    logger = logging.getLogger("cso_field.geocoding")
    disabled, logger.disabled = logger.disabled, False
    yield
    logger.disabled = disabled


@pytest.fixture
def geocoding_app(app, stub):
    """Point the app's geocoder at the stub: no delay between calls, a short timeout."""

    def configure(**overrides):
        app.config.update(
            {
                "GEOCODER": "nominatim",
                "GEOCODER_URL": stub.url,
                "GEOCODER_USER_AGENT": "cso-field-tests/1.0",
                "GEOCODER_MIN_DELAY_SECONDS": 0.0,
                "GEOCODER_TIMEOUT_SECONDS": 0.5,
                **overrides,
            }
        )
        app.extensions.pop("cso_geocoder", None)
        return app

    return configure


def _cache_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(GeocodeCache))


def test_forward_asks_nominatim_and_returns_coordinates(geocoding_app, stub):
    geocoding_app()
    assert forward("425 North El Dorado Street, Stockton") == pytest.approx(
        (CITY_HALL.lat, CITY_HALL.lon)
    )
    [request] = stub.hits("/search")
    assert request.params["q"] == "425 North El Dorado Street, Stockton"
    assert request.params["format"] in ("json", "jsonv2")
    assert request.user_agent == "cso-field-tests/1.0"


def test_forward_is_cached_however_the_address_is_typed(geocoding_app, stub):
    geocoding_app()
    first = forward("425 North El Dorado Street, Stockton")
    db.session.commit()
    second = forward("  425 NORTH  el dorado street ,Stockton ")
    assert first == second
    assert len(stub.hits("/search")) == 1
    assert _cache_rows() == 1


def test_unknown_address_is_none_and_remembered(geocoding_app, stub):
    geocoding_app()
    assert forward("1 Nowhere Lane, Atlantis") is None
    assert forward("1 nowhere lane, atlantis") is None
    assert len(stub.hits("/search")) == 1


def test_reverse_gives_the_address_and_caches_by_rounded_coordinates(geocoding_app, stub):
    geocoding_app()
    assert reverse(CITY_HALL.lat, CITY_HALL.lon) == CITY_HALL.display_name
    [request] = stub.hits("/reverse")
    assert float(request.params["lat"]) == pytest.approx(CITY_HALL.lat, abs=1e-5)
    # A fix a few centimetres away is the same cache entry (5 decimals, about 1 m).
    assert reverse(CITY_HALL.lat + 0.000001, CITY_HALL.lon - 0.000001) == CITY_HALL.display_name
    assert len(stub.hits("/reverse")) == 1


def test_reverse_where_nominatim_finds_nothing(geocoding_app, stub):
    geocoding_app()
    assert reverse(0.5, -150.5) is None
    assert reverse(0.5, -150.5) is None
    assert len(stub.hits("/reverse")) == 1


def test_jsonv2_shaped_answers_are_read_too(geocoding_app, stub):
    geocoding_app()
    service = geocoding.geocoder()
    location = service.nominatim.geocode(CITY_HALL_QUERY, featuretype=None)
    assert location.latitude == pytest.approx(CITY_HALL.lat)
    # The stub speaks jsonv2 as Nominatim does: "category" instead of "class".
    response = service.nominatim._call_geocoder(
        f"{stub.url}/search?q=425+north+el+dorado+street%2C+stockton&format=jsonv2",
        lambda places: places,
    )
    assert response[0]["category"] == "building"
    assert "class" not in response[0]


def test_rate_limiter_keeps_the_configured_delay_between_calls(geocoding_app, stub):
    geocoding_app(GEOCODER_MIN_DELAY_SECONDS=1.0)
    service = geocoding.geocoder()
    assert isinstance(service.geocode, RateLimiter)
    assert isinstance(service.reverse, RateLimiter)
    assert service.geocode.min_delay_seconds == 1.0
    assert service.geocode.max_retries == 0
    forward("first street, stockton")
    forward("second street, stockton")
    first, second = stub.hits("/search")
    # Arrival times at the stub: the first request may reach it late on a busy machine.
    assert second.at - first.at >= 0.7


def test_geocoder_none_never_calls_out(geocoding_app, stub):
    geocoding_app(GEOCODER="none")
    assert forward(CITY_HALL_QUERY) is None
    assert reverse(CITY_HALL.lat, CITY_HALL.lon) is None
    assert stub.requests == []


@pytest.mark.parametrize("mode", [SERVER_ERROR, SLOW, BAD_JSON])
def test_failures_are_logged_swallowed_and_not_cached(geocoding_app, stub, caplog, mode):
    geocoding_app()
    stub.mode = mode
    stub.slow_seconds = 2.0
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="cso_field.geocoding"):
        assert forward(CITY_HALL_QUERY) is None
        assert reverse(CITY_HALL.lat, CITY_HALL.lon) is None
    assert time.monotonic() - started < 3.0  # the 0.5 s timeout, not the 2 s reply
    assert len(stub.requests) == 2  # no retries holding the officer's request
    assert any("geocoder forward failed" in message for message in caplog.messages)
    assert any("geocoder reverse failed" in message for message in caplog.messages)
    assert _cache_rows() == 0
    stub.mode = "ok"
    assert forward(CITY_HALL_QUERY) == pytest.approx((CITY_HALL.lat, CITY_HALL.lon))


def test_connection_refused_is_swallowed(geocoding_app, caplog):
    geocoding_app(GEOCODER_URL=closed_port_url())
    with caplog.at_level(logging.WARNING, logger="cso_field.geocoding"):
        assert forward(CITY_HALL_QUERY) is None
        assert reverse(CITY_HALL.lat, CITY_HALL.lon) is None
    assert len(caplog.records) == 2


def _note(user, **fields) -> FieldNote:
    note = FieldNote(
        client_uuid=uuid.uuid4(),
        submission_hash="x" * 64,
        created_by_id=user.id,
        observation="Abandoned shopping cart",
        **fields,
    )
    db.session.add(note)
    return note


def _locate(note: FieldNote) -> None:
    """What a record type's preparation does: the location completed, stored on the record."""
    fields = ("latitude", "longitude", "accuracy_m", "address")
    for name, value in locate({name: getattr(note, name) for name in fields}).items():
        setattr(note, name, value)


DOWNTOWN = {
    "type": "Feature",
    "properties": {"name": "Downtown"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[-121.30, 37.95], [-121.28, 37.95], [-121.28, 37.97], [-121.30, 37.97],
                         [-121.30, 37.95]]],
    },
}  # fmt: skip


def test_locate_fills_the_address_and_the_district(geocoding_app, users):
    geocoding_app()
    replace_districts(parse_geojson(json.dumps(DOWNTOWN)))
    note = _note(users.cso(), latitude=CITY_HALL.lat, longitude=CITY_HALL.lon, accuracy_m=12.0)
    _locate(note)
    db.session.commit()
    assert note.address == CITY_HALL.display_name
    assert db.session.get(District, note.district_id).name == "Downtown"
    assert note.accuracy_m == 12.0


def test_locate_fills_coordinates_from_the_address(geocoding_app, users):
    geocoding_app()
    replace_districts(parse_geojson(json.dumps(DOWNTOWN)))
    note = _note(users.cso(), address="425 North El Dorado Street, Stockton")
    _locate(note)
    db.session.commit()
    assert (note.latitude, note.longitude) == pytest.approx((CITY_HALL.lat, CITY_HALL.lon))
    assert note.accuracy_m is None
    assert note.address == "425 North El Dorado Street, Stockton"  # what the officer typed
    assert db.session.get(District, note.district_id).name == "Downtown"


def test_locate_with_the_geocoder_down_still_saves_the_record(geocoding_app, users, stub):
    geocoding_app()
    stub.mode = SERVER_ERROR
    note = _note(users.cso(), latitude=CITY_HALL.lat, longitude=CITY_HALL.lon, accuracy_m=8.0)
    _locate(note)
    db.session.commit()
    assert note.id is not None
    assert note.address is None
    assert note.district_id is None  # no districts uploaded


def test_locate_leaves_a_complete_location_alone(geocoding_app, users, stub):
    geocoding_app()
    note = _note(users.cso(), latitude=1.0, longitude=2.0, address="Typed by the officer")
    _locate(note)
    assert note.address == "Typed by the officer"
    assert stub.requests == []
