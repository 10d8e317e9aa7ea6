from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db
from cso_field.records.models import FieldRecordMixin


class FieldNote(FieldRecordMixin, db.Model):
    __tablename__ = "field_note"
    record_type = "field_note"
    reference_prefix = "FN"
    search_fields = ("reference", "address", "observation")

    observation: Mapped[str] = mapped_column(Text)
