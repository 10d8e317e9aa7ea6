"""Distances and nearest-first queries on records' latitude and longitude (WGS 84, degrees)."""

import math
from typing import Any

from geopy.distance import geodesic
from sqlalchemy import Select, and_, or_

from cso_field.extensions import db

# Smallest radius of curvature of the WGS 84 ellipsoid (meridional, at the equator): an
# angle computed with it is never too small, so the bounding box always holds the circle.
_MIN_EARTH_RADIUS_M = 6_335_439.0
_BOX_MARGIN = 1.005

DEFAULT_RADIUS_M = 2_000.0
DEFAULT_LIMIT = 20

# Reason codes carried by CoordinateError (and shown by forms as translated messages).
LATITUDE_RANGE = "latitude_range"
LONGITUDE_RANGE = "longitude_range"
NOT_FINITE = "not_finite"
ACCURACY = "accuracy"


class CoordinateError(ValueError):
    """An impossible coordinate; `code` says which rule it breaks."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def validate_coordinates(lat: float, lon: float, accuracy: float | None = None) -> None:
    """Raise CoordinateError (a ValueError) for values no real position can have."""
    values = [lat, lon] if accuracy is None else [lat, lon, accuracy]
    if not all(math.isfinite(value) for value in values):
        raise CoordinateError(NOT_FINITE)
    if not -90 <= lat <= 90:
        raise CoordinateError(LATITUDE_RANGE)
    if not -180 <= lon <= 180:
        raise CoordinateError(LONGITUDE_RANGE)
    if accuracy is not None and accuracy <= 0:
        raise CoordinateError(ACCURACY)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres on the WGS 84 ellipsoid."""
    return geodesic((lat1, lon1), (lat2, lon2)).meters


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) holding every point within radius_m of (lat, lon).

    Slightly larger than the circle, never smaller. When the circle reaches a pole the box
    spans every longitude. When it crosses the antimeridian, min_lon > max_lon: the box is
    then lon >= min_lon OR lon <= max_lon (see `box_condition`).
    """
    angle = radius_m / _MIN_EARTH_RADIUS_M * _BOX_MARGIN
    min_lat = lat - math.degrees(angle)
    max_lat = lat + math.degrees(angle)
    if min_lat <= -90 or max_lat >= 90 or angle >= math.pi / 2:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    ratio = math.sin(angle) / math.cos(math.radians(lat))
    if ratio >= 1:
        return min_lat, max_lat, -180.0, 180.0
    delta_lon = math.degrees(math.asin(ratio))
    if delta_lon >= 180:
        return min_lat, max_lat, -180.0, 180.0
    min_lon, max_lon = lon - delta_lon, lon + delta_lon
    if min_lon < -180:
        min_lon += 360
    if max_lon > 180:
        max_lon -= 360
    return min_lat, max_lat, min_lon, max_lon


def box_condition(model: Any, box: tuple[float, float, float, float]):
    """A WHERE clause for the box on the model's indexed latitude and longitude columns."""
    min_lat, max_lat, min_lon, max_lon = box
    latitude = model.latitude.between(min_lat, max_lat)
    if min_lon <= max_lon:
        return and_(latitude, model.longitude.between(min_lon, max_lon))
    return and_(latitude, or_(model.longitude >= min_lon, model.longitude <= max_lon))


def nearest_first(
    query: Select,
    model: Any,
    lat: float,
    lon: float,
    radius_m: float = DEFAULT_RADIUS_M,
    limit: int = DEFAULT_LIMIT,
) -> list[tuple[Any, float]]:
    """The query's records within radius_m of (lat, lon), nearest first, as (record, metres).

    `query` selects the model entity, e.g.
    `select(FieldNote).where(FieldNote.deleted_at.is_(None))`; its ORDER BY and LIMIT are
    ignored. The search starts with a small box (few rows read where records are dense) and
    widens until `limit` records lie inside the circle searched, or it reaches radius_m.
    Candidates are read as (id, latitude, longitude); only the nearest are loaded whole.
    """
    validate_coordinates(lat, lon)
    query = query.order_by(None).limit(None)
    searched = min(radius_m, max(radius_m / 8, 50.0))
    while True:
        nearest = _nearest_ids(query, model, lat, lon, searched, limit)
        if len(nearest) >= limit or searched >= radius_m:
            return _load(query, model, nearest)
        searched = min(searched * 2, radius_m)


# Haversine on a sphere is within 0.6% of the geodesic distance; with this margin the
# cheap distance safely picks which candidates get the exact (slower) geodesic one.
_SPHERE_RADIUS_M = 6_371_008.8
_SPHERE_ERROR = 0.01


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * _SPHERE_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _nearest_ids(query: Select, model: Any, lat: float, lon: float, radius_m: float, limit: int):
    """[(id, metres)] of up to `limit` records within radius_m, nearest first."""
    box = box_condition(model, bounding_box(lat, lon, radius_m))
    columns = query.with_only_columns(
        model.id, model.latitude, model.longitude, maintain_column_froms=True
    ).where(box)
    rough = sorted(
        (_haversine_m(lat, lon, row_lat, row_lon), record_id, row_lat, row_lon)
        # A set: a caller's join may repeat a record.
        for record_id, row_lat, row_lon in set(db.session.execute(columns))
    )
    rough = [row for row in rough if row[0] <= radius_m * (1 + _SPHERE_ERROR)]
    if len(rough) > limit:
        cutoff = rough[limit - 1][0] * (1 + _SPHERE_ERROR) / (1 - _SPHERE_ERROR)
        rough = [row for row in rough if row[0] <= cutoff]
    exact = [
        (distance_m(lat, lon, row_lat, row_lon), record_id)
        for _, record_id, row_lat, row_lon in rough
    ]
    return [(record_id, metres) for metres, record_id in sorted(exact) if metres <= radius_m][
        :limit
    ]


def _load(query: Select, model: Any, nearest: list[tuple[Any, float]]):
    if not nearest:
        return []
    ids = [record_id for record_id, _ in nearest]
    records = {record.id: record for record in db.session.scalars(query.where(model.id.in_(ids)))}
    return [(records[record_id], metres) for record_id, metres in nearest]
