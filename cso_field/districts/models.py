from datetime import datetime

from sqlalchemy import String, Text
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
