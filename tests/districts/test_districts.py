"""Districts: an admin uploads GeoJSON boundaries; every point finds its district."""

import html
import io
import json
import uuid

import pytest
from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.districts.models import District
from cso_field.districts.services import (
    DistrictFileError,
    district_for,
    districts_for_filter,
    parse_geojson,
    replace_districts,
)
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.records.models import Located, models_with
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from tests.factories import make_check, visit


def square(west, south, east, north) -> list:
    return [[[west, south], [east, south], [east, north], [west, north], [west, south]]]


def feature(properties, geometry_type="Polygon", coordinates=None) -> dict:
    coordinates = coordinates if coordinates is not None else square(-121.40, 37.90, -121.30, 38.0)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


# Stockton split at -121.30: Beat 2 west, with the Port cut out of it as a hole; 10 east, in
# two parts (a MultiPolygon).
PORT_RING = square(-121.36, 37.93, -121.33, 37.95)[0]
BEATS = {
    "type": "FeatureCollection",
    "features": [
        feature(
            {"name": "Beat 2"},
            coordinates=[square(-121.40, 37.90, -121.30, 38.05)[0], PORT_RING[::-1]],
        ),
        feature(
            {"beat": 10},
            "MultiPolygon",
            [square(-121.30, 37.90, -121.23, 37.97), square(-121.30, 37.98, -121.23, 38.05)],
        ),
        feature({"NAME": "Port"}, coordinates=square(-121.36, 37.93, -121.33, 37.95)),
    ],
}


def upload(client, body, filename="beats.geojson"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/districts/",
        data={"geojson": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def names() -> list[str]:
    return sorted(db.session.scalars(select(District.name)))


def test_admin_uploads_districts_and_sees_them(client, users, login):
    login(users.admin())
    response = upload(client, BEATS)
    assert response.status_code == 303
    assert names() == ["10", "Beat 2", "Port"]
    event = db.session.scalars(select(AuditEvent).filter_by(action="districts.upload")).one()
    assert event.detail == "3 districts"
    assert event.object_type == "district"
    page = client.get("/districts/")
    assert page.status_code == 200
    text = page_text(page)
    assert "3 districts uploaded." in text  # the flash message
    assert text.index("10") < text.index("Beat 2") < text.index("Port")


def test_a_single_feature_is_accepted(client, users, login):
    login(users.admin())
    assert upload(client, feature({"district": "Downtown"})).status_code == 303
    assert names() == ["Downtown"]


def test_district_for_places_points(app):
    replace_districts(parse_geojson(json.dumps(BEATS)))
    db.session.commit()
    assert district_for(37.95, -121.38).name == "Beat 2"
    assert district_for(37.94, -121.345).name == "Port"  # in Beat 2's box, not in its polygon
    assert district_for(37.92, -121.25).name == "10"
    assert district_for(38.00, -121.25).name == "10"
    assert district_for(37.975, -121.25) is None  # the gap between the two parts of 10
    assert district_for(37.95, -121.20) is None
    assert district_for(37.95, -121.30) is not None  # on a boundary still counts
    assert district_for(None, -121.3) is None


def test_districts_for_filter_in_natural_order(app):
    replace_districts(parse_geojson(json.dumps(BEATS)))
    db.session.commit()
    assert [name for _id, name in districts_for_filter()] == ["10", "Beat 2", "Port"]
    assert all(isinstance(district_id, int) for district_id, _name in districts_for_filter())


def test_a_new_upload_replaces_districts_and_places_records_again(app, users):
    first = replace_districts(parse_geojson(json.dumps(BEATS)))
    db.session.commit()
    beat_2_id = next(district.id for district in first if district.name == "Beat 2")
    user = users.cso()
    notes = {
        name: FieldNote(
            client_uuid=uuid.uuid4(),
            submission_hash="x" * 64,
            created_by_id=user.id,
            observation=name,
            latitude=lat,
            longitude=lon,
            district_id=district_for(lat, lon).id,
        )
        for name, lat, lon in [("west", 37.95, -121.38), ("port", 37.94, -121.345)]
    }
    db.session.add_all(notes.values())
    db.session.commit()

    # The port district is dropped and Beat 2 shrinks to the west of -121.35.
    replace_districts(
        parse_geojson(
            json.dumps(feature({"name": "Beat 2"}, coordinates=square(-121.4, 37.9, -121.35, 38)))
        )
    )
    db.session.commit()
    assert names() == ["Beat 2"]
    assert db.session.scalar(select(District.id)) == beat_2_id  # same name, same id
    db.session.refresh(notes["west"])
    db.session.refresh(notes["port"])
    assert notes["west"].district_id == beat_2_id
    assert notes["port"].district_id is None


def test_dropping_a_district_that_holds_special_checks_and_visits_is_no_500(
    app, client, users, login
):
    """Regression: re-placement once walked field records only, so a special check kept the
    id of a dropped district and the upload failed on the foreign key (HTTP 500)."""
    login(users.admin())
    assert upload(client, BEATS).status_code == 303
    port = db.session.scalar(select(District).where(District.name == "Port"))
    in_port = make_check(latitude=37.94, longitude=-121.345, district_id=port.id)
    in_the_west = make_check(latitude=37.95, longitude=-121.38, district_id=None)
    port_visit = visit(in_port, users.cso())
    assert port_visit.district_id == port.id

    shrunk = feature({"name": "Beat 2"}, coordinates=square(-121.4, 37.9, -121.35, 38))
    response = upload(client, shrunk)

    assert response.status_code == 303, page_text(response)[:500]
    assert names() == ["Beat 2"]
    beat_2 = db.session.scalar(select(District.id))
    for record in (in_port, in_the_west, port_visit):
        db.session.refresh(record)
    assert in_port.district_id is None and port_visit.district_id is None
    assert in_the_west.district_id == beat_2  # placed again, though it had no district
    assert "1 districts uploaded." in page_text(client.get(response.location))


def test_re_placement_reaches_every_located_record_type(app):
    located = models_with(Located)
    assert {FieldNote, SpecialCheck, CheckVisit} <= set(located)


TOO_BIG = b'{"type": "FeatureCollection", "features": [], "padding": "' + b"x" * (5 * 2**20) + b'"}'
BOWTIE = [[[-121.3, 37.9], [-121.2, 38.0], [-121.2, 37.9], [-121.3, 38.0], [-121.3, 37.9]]]
PROJECTED = square(6_300_000, 2_100_000, 6_310_000, 2_110_000)  # feet, State Plane


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The file is not valid JSON (line 1)"),
        (b"\xff\xfe\x00garbage", "not text in UTF-8"),
        ({"type": "Topology", "objects": {}}, "must be a GeoJSON FeatureCollection or Feature"),
        ([1, 2, 3], "must be a GeoJSON FeatureCollection or Feature"),
        ({"type": "FeatureCollection", "features": []}, "The file has no features"),
        (
            {"type": "FeatureCollection", "features": [feature({"name": "A"}), "oops"]},
            "Feature 2 is not a GeoJSON Feature",
        ),
        (
            {"type": "FeatureCollection", "features": [feature({"name": "A"}), feature({})]},
            "Feature 2 has no name",
        ),
        (
            {"type": "FeatureCollection", "features": [feature({"name": "  "})]},
            "Feature 1 has no name",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [feature({"name": "Beat 1"}), feature({"name": "beat 1"})],
            },
            "Features 1 and 2 have the same name, beat 1",
        ),
        (
            {"type": "FeatureCollection", "features": [feature({"name": "x" * 81})]},
            "Feature 1 has a name longer than 80 characters",
        ),
        (
            feature({"name": "Main St"}, "LineString", [[-121.3, 37.9], [-121.2, 38.0]]),
            "Feature 1 (Main St) is not a polygon (its geometry is LineString)",
        ),
        (
            {"type": "Feature", "properties": {"name": "Nowhere"}, "geometry": None},
            "Feature 1 (Nowhere) is not a polygon (its geometry is missing)",
        ),
        (
            feature({"name": "Bowtie"}, coordinates=BOWTIE),
            "Feature 1 (Bowtie) is not a valid polygon: its boundary crosses itself near 37.95",
        ),
        (
            feature({"name": "Flat"}, coordinates=[[[-121.3, 37.9], [-121.2, 38.0]]]),
            "Feature 1 (Flat) has missing or malformed coordinates",
        ),
        (
            feature({"name": "Empty"}, coordinates=[]),
            "Feature 1 (Empty) has missing or malformed coordinates",
        ),
        (
            feature({"name": "Feet"}, coordinates=PROJECTED),
            "Feature 1 (Feet) has coordinates outside longitude ±180 and latitude ±90",
        ),
        (TOO_BIG, "The file is larger than 5 MB"),
    ],
    ids=[
        "invalid-json",
        "not-utf8",
        "wrong-type",
        "not-an-object",
        "no-features",
        "not-a-feature",
        "missing-name",
        "blank-name",
        "duplicate-name",
        "long-name",
        "not-a-polygon",
        "no-geometry",
        "self-intersecting",
        "malformed-coordinates",
        "empty-coordinates",
        "out-of-range",
        "too-large",
    ],
)
def test_bad_files_are_refused_with_a_message_naming_the_problem(
    client, users, login, body, message
):
    login(users.admin())
    assert upload(client, BEATS).status_code == 303
    response = upload(client, body)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert 'enctype="multipart/form-data"' in text  # the form is there to try again
    assert names() == ["10", "Beat 2", "Port"]  # nothing of the bad file was applied


def test_upload_without_a_file(client, users, login):
    login(users.admin())
    response = client.post("/districts/", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a GeoJSON file to upload." in page_text(response)


def test_parse_errors_carry_a_translated_message(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        with pytest.raises(DistrictFileError) as raised:
            parse_geojson(json.dumps(feature({})))
        assert "1" in str(raised.value.message)


@pytest.mark.parametrize("role", ["cso", "senior_cso"])
def test_other_roles_are_refused(client, users, login, role):
    login(users.create(role))
    assert client.get("/districts/").status_code == 403
    assert upload(client, BEATS).status_code == 403
    assert names() == []


def test_anonymous_users_are_sent_to_log_in(client):
    for response in (client.get("/districts/"), upload(client, BEATS)):
        assert response.status_code == 302
        assert response.location.startswith("/login")
    assert names() == []


def test_menu_links_admins_to_districts(client, users, login):
    login(users.admin())
    assert 'href="/districts/"' in client.get("/menu").get_data(as_text=True)
    other = users.senior()
    senior_client = client.application.test_client()
    login(other, test_client=senior_client)
    assert 'href="/districts/"' not in senior_client.get("/menu").get_data(as_text=True)
