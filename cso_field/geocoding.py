"""Geocoding: addresses to coordinates and back, through geopy, cached in the database.

Configured by GEOCODER ("none" or "nominatim"), GEOCODER_URL, GEOCODER_USER_AGENT,
GEOCODER_MIN_DELAY_SECONDS and GEOCODER_TIMEOUT_SECONDS. A geocoder that is down, slow or
answers nonsense is logged and ignored: it never stops a record from being saved.
"""

import logging
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from geopy.adapters import URLLibAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.geo import validate_coordinates
from cso_field.timeutil import utcnow

logger = logging.getLogger(__name__)

FORWARD = "forward"
REVERSE = "reverse"
QUERY_MAX_LENGTH = 300
ADDRESS_MAX_LENGTH = 300
REVERSE_DECIMALS = 5  # about 1 m: nearby fixes share one cache entry


class GeocodeCache(db.Model):
    __tablename__ = "geocode_cache"
    __table_args__ = (UniqueConstraint("direction", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))  # "forward" or "reverse"
    query: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class _Geocoder:
    """geopy's Nominatim behind one RateLimiter per app, so calls keep their distance."""

    def __init__(self, config):
        url = urlsplit(config["GEOCODER_URL"] or "https://nominatim.openstreetmap.org")
        self.nominatim = Nominatim(
            domain=(url.netloc + url.path).rstrip("/"),
            scheme=url.scheme or "https",
            user_agent=config["GEOCODER_USER_AGENT"],
            timeout=config["GEOCODER_TIMEOUT_SECONDS"],
            # urllib whatever else is installed: with `requests` present geopy would pick
            # its adapter, which retries on its own (see below).
            adapter_factory=URLLibAdapter,
        )
        # No retries and no swallowing: a retry would hold the officer's request for
        # seconds, and a swallowed error would look like "no result" and be cached.
        limits = {
            "min_delay_seconds": config["GEOCODER_MIN_DELAY_SECONDS"],
            "max_retries": 0,
            "swallow_exceptions": False,
        }
        self.geocode = RateLimiter(self.nominatim.geocode, **limits)
        self.reverse = RateLimiter(self.nominatim.reverse, **limits)


def geocoder() -> _Geocoder | None:
    """The app's geocoder, or None when GEOCODER is "none"."""
    if current_app.config["GEOCODER"] != "nominatim":
        return None
    extensions = current_app.extensions
    if "cso_geocoder" not in extensions:
        extensions["cso_geocoder"] = _Geocoder(current_app.config)
    return extensions["cso_geocoder"]


def normalise_query(address: str) -> str:
    """One cache key for the same address however it was typed."""
    text = unicodedata.normalize("NFKC", address).casefold()
    return re.sub(r"[\s,]+", " ", text).strip()[:QUERY_MAX_LENGTH]


def reverse_key(lat: float, lon: float) -> str:
    return f"{lat:.{REVERSE_DECIMALS}f},{lon:.{REVERSE_DECIMALS}f}"


def forward(address: str) -> tuple[float, float] | None:
    """(lat, lon) for an address, or None when unknown, unconfigured or unreachable."""
    query = normalise_query(address or "")
    service = geocoder()
    if not query or service is None:
        return None
    cached = _cached(FORWARD, query)
    if cached is not None:
        return None if cached.latitude is None else (cached.latitude, cached.longitude)
    location = _ask(lambda: service.geocode(address.strip()[:QUERY_MAX_LENGTH]), "forward")
    if location is _FAILED:
        return None
    coordinates = _coordinates(location)
    latitude, longitude = coordinates or (None, None)
    _store(FORWARD, query, latitude=latitude, longitude=longitude)
    return coordinates


def reverse(lat: float, lon: float) -> str | None:
    """The address at (lat, lon), or None when unknown, unconfigured or unreachable."""
    service = geocoder()
    if service is None or not _possible(lat, lon):
        return None
    key = reverse_key(lat, lon)
    cached = _cached(REVERSE, key)
    if cached is not None:
        return cached.address
    point = (round(lat, REVERSE_DECIMALS), round(lon, REVERSE_DECIMALS))
    location = _ask(lambda: service.reverse(point), "reverse")
    if location is _FAILED:
        return None
    address = _address(location)
    _store(REVERSE, key, address=address)
    return address


_FAILED = object()


def _possible(lat, lon) -> bool:
    try:
        validate_coordinates(lat, lon)
    except (TypeError, ValueError):
        return False
    return True


def _ask(call: Callable, direction: str):
    try:
        return call()
    except Exception as error:  # any failure only means "no geocoding now"
        logger.warning("geocoder %s failed: %s: %s", direction, type(error).__name__, error)
        return _FAILED


def _coordinates(location) -> tuple[float, float] | None:
    if location is None:
        return None
    if not _possible(location.latitude, location.longitude):
        logger.warning("geocoder returned impossible coordinates: %r", location.raw)
        return None
    return float(location.latitude), float(location.longitude)


def _address(location) -> str | None:
    text = getattr(location, "address", None)
    if not isinstance(text, str) or not text.strip():
        return None
    return unicodedata.normalize("NFC", text.strip())[:ADDRESS_MAX_LENGTH]


def _cached(direction: str, query: str) -> GeocodeCache | None:
    return db.session.scalars(
        select(GeocodeCache).where(GeocodeCache.direction == direction, GeocodeCache.query == query)
    ).first()


def _store(direction: str, query: str, **values) -> None:
    """Keep the answer (also "nothing found") in the caller's transaction.

    ON CONFLICT DO NOTHING: another worker may have stored the same query meanwhile, and
    that must not fail the record being saved.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(GeocodeCache)
        .values(direction=direction, query=query, created_at=utcnow(), **values)
        .on_conflict_do_nothing(index_elements=["direction", "query"])
    )
    db.session.execute(statement)
