from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.timeutil import utcnow


class District(db.Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON Polygon or MultiPolygon
    # Bounding box, so only candidate districts are tested point-in-polygon.
    min_latitude: Mapped[float]
    max_latitude: Mapped[float]
    min_longitude: Mapped[float]
    max_longitude: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Shift(db.Model):
    """An officer's shift in a district: started, then ended (or forgotten: a shift older
    than shifts.SHIFT_HOURS no longer counts as on shift)."""

    __tablename__ = "shift"
    __table_args__ = (
        Index("ix_shift_open", "ended_at", "started_at"),
        Index("ix_shift_user", "user_id", "ended_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
