from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.timeutil import utcnow

THUMBNAIL_MAX_SIDE = 320


class Photo(db.Model):
    __tablename__ = "photo"
    __table_args__ = (Index("ix_photo_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    original_key: Mapped[str] = mapped_column(String(200))
    display_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    # Upright size of the original, i.e. after its EXIF orientation is applied.
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def thumbnail_size(self) -> tuple[int, int]:
        """About the thumbnail's size, for <img width height> so the page does not jump."""
        scale = min(1.0, THUMBNAIL_MAX_SIDE / max(self.width, self.height, 1))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))
