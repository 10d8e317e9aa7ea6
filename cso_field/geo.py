"""Distances and nearest-first queries on records' latitude and longitude (WGS 84, degrees)."""

import math
from typing import Any

from geographiclib.geodesic import Geodesic
from sqlalchemy import Select, and_, case, or_

from cso_field.extensions import db

# Smallest radius of curvature of the WGS 84 ellipsoid (meridional, at the equator): an
# angle computed with it is never too small, so the bounding box always holds the circle.
_MIN_EARTH_RADIUS_M = 6_335_439.0
_BOX_MARGIN = 1.005

DEFAULT_RADIUS_M = 2_000.0
DEFAULT_LIMIT = 20
# The first circle searched: about a page of records where they are densest (a city centre).
# Each widening at least doubles it, more where few records were found (see _wider), so a
# sparse area costs a few more small index ranges.
FIRST_SEARCH_M = 250.0

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
    """Geodesic distance in metres on the WGS 84 ellipsoid (Karney's algorithm, which geopy
    wraps; called directly for the distance alone, at half geopy's cost per row)."""
    return Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]


# Where the local plane below stays within half a metre of the geodesic (checked against
# Karney's algorithm in tests/records/test_geo.py); farther, or nearer a pole, the geodesic.
_LOCAL_PLANE_MAX_M = 20_000.0
_LOCAL_PLANE_MAX_LATITUDE = 70.0


def near_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """`distance_m` for the short distances a nearest-first list shows, at a hundredth of
    its cost: on the ellipsoid's local plane at the two points' mean latitude (its two radii
    of curvature), within half a metre of the geodesic up to 20 km; the geodesic beyond."""
    mean_latitude = (lat1 + lat2) / 2
    if abs(mean_latitude) <= _LOCAL_PLANE_MAX_LATITUDE:
        north, east = _metres_per_degree(mean_latitude)
        delta_lon = (lon2 - lon1 + 180.0) % 360.0 - 180.0
        planar = math.hypot((lat2 - lat1) * north, delta_lon * east)
        if planar <= _LOCAL_PLANE_MAX_M:
            return planar
    return distance_m(lat1, lon1, lat2, lon2)


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
    ignored. The first `limit` of `nearest_page`.
    """
    return nearest_page(query, model, lat, lon, radius_m, limit)[0]


def nearest_page(
    query: Select,
    model: Any,
    lat: float,
    lon: float,
    radius_m: float = DEFAULT_RADIUS_M,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    columns: tuple | None = None,
) -> tuple[list[tuple[Any, float]], int]:
    """(the records from `offset` to `offset + limit` nearest first, as (record, metres);
    how many lie within radius_m, counted up to offset + limit + 1).

    The database ranks the candidates: a box on the location index, then a planar distance
    (exact enough at a city's scale) for ORDER BY with LIMIT. The search starts with a small
    box, where records are dense few rows are read, and widens until enough records lie
    inside the circle or it reaches radius_m (as far as the density found so far says is
    needed, so a sparse area takes few widenings). Only the rows shown are loaded whole (or,
    given `columns`, which must include the id, latitude and longitude, as rows of just those)
    and get the exact distance (`near_distance_m`).
    """
    validate_coordinates(lat, lon)
    query = query.order_by(None).limit(None).offset(None)
    wanted = offset + limit + 1
    searched = min(radius_m, FIRST_SEARCH_M)
    while True:
        ranked = _ranked_ids(query, model, (lat, lon), searched, wanted)
        if len(ranked) >= wanted or searched >= radius_m:
            break
        searched = _wider(searched, len(ranked), wanted, radius_m)
    shown = _load(query, model, ranked[offset : offset + limit], columns)
    exact = [
        (record, near_distance_m(lat, lon, record.latitude, record.longitude)) for record in shown
    ]
    return [(record, metres) for record, metres in exact if metres <= radius_m], len(ranked)


def _wider(searched: float, found: int, wanted: int, radius_m: float) -> float:
    """The next circle: at least twice as wide, wider still where the records found so far
    are too sparse to fill it (at their density, `wanted` lie in a circle sqrt(wanted/found)
    times as wide, taken with a margin: records thin out away from a centre); eight times
    when none was found."""
    factor = 8.0 if found == 0 else max(2.0, math.sqrt(wanted / found) * 1.5)
    return min(searched * factor, radius_m)


def _metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of latitude, of longitude) at `lat` on the WGS 84 ellipsoid."""
    a, e2 = 6_378_137.0, 0.006_694_379_990_14
    sin2 = math.sin(math.radians(lat)) ** 2
    meridional = a * (1 - e2) / (1 - e2 * sin2) ** 1.5
    prime_vertical = a / math.sqrt(1 - e2 * sin2)
    per_radian_lon = prime_vertical * math.cos(math.radians(lat))
    return math.radians(meridional), math.radians(per_radian_lon)


def planar_distance_sq(model: Any, lat: float, lon: float, wraps: bool = True):
    """Squared metres from (lat, lon), equirectangular: plain arithmetic either database
    evaluates cheaply, within a fraction of a percent of the geodesic over a few km.

    `wraps=False` when no record compared lies more than 180° of longitude away (a search box
    that neither crosses the antimeridian nor spans half the globe): a shorter expression.
    """
    north, east = _metres_per_degree(lat)
    delta_lon = model.longitude - lon
    if wraps:  # across the antimeridian the short way round is the other one
        delta_lon = case(
            (delta_lon > 180, delta_lon - 360), (delta_lon < -180, delta_lon + 360), else_=delta_lon
        )
    north_m, east_m = (model.latitude - lat) * north, delta_lon * east
    return north_m * north_m + east_m * east_m


def _ranked_ids(
    query: Select, model: Any, centre: tuple[float, float], radius_m: float, wanted: int
) -> list:
    """The ids of up to `wanted` records within radius_m of `centre` (planar), nearest first."""
    box = bounding_box(*centre, radius_m)
    wraps = box[2] > box[3] or box[3] - box[2] >= 180
    distance_sq = planar_distance_sq(model, *centre, wraps)
    ranked = (
        query.with_only_columns(model.id, maintain_column_froms=True)
        .where(box_condition(model, box), distance_sq <= radius_m * radius_m)
        .order_by(distance_sq, model.id)
        .limit(wanted)
    )
    return list(db.session.scalars(ranked))


def _load(query: Select, model: Any, ids: list, columns: tuple | None = None) -> list:
    if not ids:
        return []
    chosen = query.where(model.id.in_(ids))
    if columns:
        found = db.session.execute(chosen.with_only_columns(*columns, maintain_column_froms=True))
    else:
        found = db.session.scalars(chosen)
    records = {record.id: record for record in found}
    return [records[record_id] for record_id in ids]
