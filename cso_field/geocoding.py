"""Geocoding: addresses to coordinates and back, through geopy, cached in the database."""

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.timeutil import utcnow


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
