"""District boundaries: read an uploaded GeoJSON file, replace the districts, place records."""

import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import shapely
from flask import request
from flask_babel import lazy_gettext as _l
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, update

from cso_field.database import begin_write
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.geocoding import forward, reverse
from cso_field.records.models import Located, models_with
from cso_field.timeutil import utcnow

NAME_PROPERTIES = ("name", "NAME", "district", "beat")
NAME_MAX_LENGTH = 80
POLYGON_TYPES = ("Polygon", "MultiPolygon")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_VALIDITY_REASON = re.compile(r"^(?P<reason>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")


class DistrictFileError(ValueError):
    """An uploaded file that cannot become districts; `message` is translated, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class ParsedDistrict:
    name: str
    geometry: BaseGeometry

    @property
    def geojson(self) -> str:
        return shapely.to_geojson(self.geometry)


def parse_geojson(data: bytes | str) -> list[ParsedDistrict]:
    """Districts from a GeoJSON FeatureCollection or Feature; DistrictFileError names what
    is wrong and in which feature (numbered from 1, as a person counts them).
    """
    document = _load_json(data)
    features = _features(document)
    districts: list[ParsedDistrict] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        district = _parse_feature(number, feature)
        key = district.name.casefold()
        if key in seen:
            raise DistrictFileError(
                _l(
                    "Features %(first)d and %(second)d have the same name, %(name)s. "
                    "Each district needs its own name.",
                    first=seen[key],
                    second=number,
                    name=district.name,
                )
            )
        seen[key] = number
        districts.append(district)
    return districts


def _load_json(data: bytes | str):
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        return json.loads(text)
    except UnicodeDecodeError:
        raise DistrictFileError(
            _l("The file is not text in UTF-8. Export it as GeoJSON.")
        ) from None
    except ValueError as error:
        line = getattr(error, "lineno", None)
        raise DistrictFileError(
            _l("The file is not valid JSON (line %(line)s). Export it as GeoJSON.", line=line)
        ) from None


def _features(document) -> list:
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        return [document]
    if kind != "FeatureCollection":
        raise DistrictFileError(
            _l("The file must be a GeoJSON FeatureCollection or Feature of district polygons.")
        )
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise DistrictFileError(_l("The file has no features: there are no districts in it."))
    return features


def _parse_feature(number: int, feature) -> ParsedDistrict:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DistrictFileError(_l("Feature %(number)d is not a GeoJSON Feature.", number=number))
    name = _feature_name(number, feature.get("properties"))
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in POLYGON_TYPES:
        raise DistrictFileError(
            _l(
                "Feature %(number)d (%(name)s) is not a polygon (its geometry is %(kind)s). "
                "Districts must be Polygon or MultiPolygon.",
                number=number,
                name=name,
                kind=kind or _l("missing"),
            )
        )
    return ParsedDistrict(name, _polygon(number, name, geometry))


def _feature_name(number: int, properties) -> str:
    properties = properties if isinstance(properties, dict) else {}
    value = next((properties[key] for key in NAME_PROPERTIES if key in properties), None)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    name = unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else ""
    if not name:
        raise DistrictFileError(
            _l(
                'Feature %(number)d has no name. Give it a "name", "district" or "beat" property.',
                number=number,
            )
        )
    if len(name) > NAME_MAX_LENGTH or _CONTROL.search(name):
        raise DistrictFileError(
            _l(
                "Feature %(number)d has a name longer than %(max)d characters or with "
                "invisible control characters.",
                number=number,
                max=NAME_MAX_LENGTH,
            )
        )
    return name


def _polygon(number: int, name: str, geometry: dict) -> BaseGeometry:
    try:
        polygon = shape(geometry)
        coordinates = shapely.get_coordinates(polygon)
    except Exception:  # shapely raises many types for malformed coordinates
        polygon, coordinates = None, None
    if polygon is None or polygon.is_empty:
        raise DistrictFileError(
            _l(
                "Feature %(number)d (%(name)s) has missing or malformed coordinates.",
                number=number,
                name=name,
            )
        )
    if not _in_range(coordinates):
        raise DistrictFileError(
            _l(
                "Feature %(number)d (%(name)s) has coordinates outside longitude ±180 and "
                "latitude ±90. Export the file in WGS 84 (EPSG:4326) longitude/latitude.",
                number=number,
                name=name,
            )
        )
    if not polygon.is_valid:
        raise DistrictFileError(_invalid_message(number, name, polygon))
    return polygon


def _in_range(coordinates) -> bool:
    return all(
        math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
        for lon, lat in coordinates
    )


def _invalid_message(number: int, name: str, polygon: BaseGeometry):
    explained = _VALIDITY_REASON.match(shapely.is_valid_reason(polygon) or "")
    reason = explained["reason"].strip() if explained else ""
    where = (
        f"{float(explained['y']):.5f}, {float(explained['x']):.5f}" if explained else _l("unknown")
    )
    if "Self-intersection" in reason:
        return _l(
            "Feature %(number)d (%(name)s) is not a valid polygon: its boundary crosses itself "
            "near %(where)s.",
            number=number,
            name=name,
            where=where,
        )
    return _l(
        "Feature %(number)d (%(name)s) is not a valid polygon (%(reason)s near %(where)s).",
        number=number,
        name=name,
        reason=reason or _l("invalid geometry"),
        where=where,
    )


# Called, in the same transaction, after records were placed again against new boundaries
# (bulk updates the ORM does not see): e.g. District numbers recounts its kept counts.
AFTER_REPLACE: list[Callable[[], object]] = []


def replace_districts(parsed: list[ParsedDistrict]) -> list[District]:
    """Make the districts exactly those in `parsed`, in the caller's transaction.

    A district keeping its name keeps its id. Records are placed again against the new
    boundaries, so a record's district always follows the current map.
    """
    begin_write()  # what is kept, removed and re-placed is read and written in one step
    existing = {district.name: district for district in db.session.scalars(select(District))}
    wanted = {district.name for district in parsed}
    removed = [district for name, district in existing.items() if name not in wanted]
    _unassign([district.id for district in removed])
    for district in removed:
        db.session.delete(district)
    db.session.flush()
    uploaded_at = utcnow()
    districts = []
    for item in parsed:
        district = existing.get(item.name) or District(name=item.name)
        _set_geometry(district, item, uploaded_at)
        db.session.add(district)
        districts.append(district)
    db.session.flush()
    reassign_records(districts)
    for follow_up in AFTER_REPLACE:
        follow_up()
    return districts


def _set_geometry(district: District, item: ParsedDistrict, uploaded_at) -> None:
    min_lon, min_lat, max_lon, max_lat = item.geometry.bounds
    district.geometry = item.geojson
    district.min_latitude, district.max_latitude = min_lat, max_lat
    district.min_longitude, district.max_longitude = min_lon, max_lon
    district.created_at = uploaded_at


def _unassign(district_ids: list[int]) -> None:
    if not district_ids:
        return
    for model in _models_naming_a_district():
        db.session.execute(
            update(model).where(model.district_id.in_(district_ids)).values(district_id=None),
            execution_options={"synchronize_session": False},
        )


def _models_naming_a_district() -> list[type]:
    """Every model with a district_id column: records, and also shifts and assignments."""
    return sorted(
        (
            mapper.class_
            for mapper in db.Model.registry.mappers
            if "district_id" in mapper.columns and mapper.class_ is not District
        ),
        key=lambda model: model.__tablename__,
    )


def reassign_records(districts: list[District]) -> None:
    """Set district_id of every record with coordinates from the given boundaries."""
    for model in models_with(Located):
        rows = db.session.execute(
            select(model.id, model.latitude, model.longitude).where(
                model.latitude.is_not(None), model.longitude.is_not(None)
            )
        ).all()
        assignment: dict[int | None, list[int]] = {}
        for record_id, lat, lon in rows:
            district = _containing(districts, lat, lon)
            assignment.setdefault(district.id if district else None, []).append(record_id)
        for district_id, record_ids in assignment.items():
            for start in range(0, len(record_ids), 500):
                db.session.execute(
                    update(model)
                    .where(model.id.in_(record_ids[start : start + 500]))
                    .values(district_id=district_id),
                    execution_options={"synchronize_session": False},
                )
        _expire_loaded(model)


def _expire_loaded(model: type) -> None:
    """Loaded records forget the district_id the bulk UPDATE just changed under them."""
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, model):
            db.session.expire(instance, ["district_id"])


def _containing(districts: list[District], lat: float, lon: float) -> District | None:
    for district in districts:
        if (
            district.min_latitude <= lat <= district.max_latitude
            and district.min_longitude <= lon <= district.max_longitude
            and _prepared(district.geometry).covers(shapely.Point(lon, lat))
        ):
            return district
    return None


@lru_cache(maxsize=512)
def _prepared(geometry_json: str) -> BaseGeometry:
    geometry = shapely.from_geojson(geometry_json)
    shapely.prepare(geometry)
    return geometry


def district_for(lat: float | None, lon: float | None) -> District | None:
    """The district holding the point (on its boundary counts), or None."""
    if lat is None or lon is None:
        return None
    candidates = db.session.scalars(
        select(District)
        .where(
            District.min_latitude <= lat,
            District.max_latitude >= lat,
            District.min_longitude <= lon,
            District.max_longitude >= lon,
        )
        .order_by(District.name)
    ).all()
    return _containing(candidates, lat, lon)


LOCATION_FIELDS = ("latitude", "longitude", "accuracy_m", "address")


def locate(location: dict) -> dict:
    """A location completed: the address from its coordinates, or coordinates from its
    address, then its district. Never raises for geocoder trouble.

    `location` holds latitude, longitude, accuracy_m and address (None when not given); the
    answer holds those and district_id. Geocoding is a network call: do it in a unit of
    work's preparation, before its first write (cso_field/database.py), never while the
    unit holds SQLite's write lock.
    """
    lat, lon = location.get("latitude"), location.get("longitude")
    accuracy, address = location.get("accuracy_m"), location.get("address")
    has_point = lat is not None and lon is not None
    if has_point and not address:
        address = reverse(lat, lon)
    elif address and not has_point:
        coordinates = forward(address)
        if coordinates is not None:
            (lat, lon), has_point = coordinates, True
            accuracy = None  # a geocoded address has no GPS accuracy
    district = district_for(lat, lon) if has_point else None
    return {
        "latitude": lat,
        "longitude": lon,
        "accuracy_m": accuracy,
        "address": address,
        "district_id": district.id if district else None,
    }


def district_name(district_id: int | None) -> str:
    district = db.session.get(District, district_id) if district_id else None
    return district.name if district else "—"


def list_districts() -> list[District]:
    return sorted(db.session.scalars(select(District)), key=lambda d: natural_key(d.name))


def district_filter_arg() -> int | None:
    """?district= of a list page; None when missing or no possible id (e.g. 400 digits,
    which the database could not even compare)."""
    value = request.args.get("district", type=int)
    return value if value is not None and 1 <= value <= 2**31 - 1 else None


def districts_for_filter() -> list[tuple[int, str]]:
    """(id, name) of every district, in the order people expect (Beat 2 before Beat 10): two
    columns, not the boundaries, which a list page's filter never needs."""
    rows = db.session.execute(select(District.id, District.name)).all()
    return sorted(((row.id, row.name) for row in rows), key=lambda pair: natural_key(pair[1]))


def natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name)]
