"""The backup log: when the last backup finished (the backup-age metric reads it)."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.timeutil import utcnow


class BackupRun(db.Model):
    __tablename__ = "backup_run"
    __table_args__ = (Index("ix_backup_run_finished", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[int]
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    destination: Mapped[str] = mapped_column(String(300))
