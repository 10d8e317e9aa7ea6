"""The columns every field record carries, and the version history of all of them."""

import uuid
from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.timeutil import utcnow


class Status(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    RETURNED = "returned", _l("Returned for changes")
    RESUBMITTED = "resubmitted", _l("Resubmitted")
    APPROVED = "approved", _l("Approved")


# History labels of the Located columns, for every record type's `fields`.
LOCATION_FIELD_LABELS = {
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "accuracy_m": _l("Accuracy (m)"),
    "address": _l("Address"),
    "district_id": _l("District"),
}


class Tracked:
    """Reference, idempotency key, author and times: what every record type carries.

    `author_required = False` lets a type have records nobody signed in made (a resident's
    request); the column is then nullable.
    """

    record_type: str  # set by each model, e.g. "field_note"
    reference_prefix: str  # e.g. "FN"
    # The columns Search finds the record by, e.g. ("reference", "address", "observation");
    # its migration indexes them (cso_field/text_search.py).
    search_fields: ClassVar[tuple[str, ...]] = ()
    author_required = True

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    submission_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(
            ForeignKey("user_account.id"), index=True, nullable=not cls.author_required
        )


class Located:
    """Where: position and its accuracy, address, and the district holding the position."""

    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(String(300))

    @declared_attr
    def district_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("district.id"), index=True)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Reviewed:
    """The review state: draft → submitted → approved, or returned with a comment."""

    # False for records kept as made (e.g. check visits): never in a Senior CSO's queue.
    supervisor_review: ClassVar[bool] = True
    # True: a draft goes to review by the type's own step (an incident closed, a notice
    # issued: records.services.send_for_review), never by its author's "Submit".
    submitted_by_step: ClassVar[bool] = False

    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED.value)
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]

    @declared_attr
    def reviewed_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"))

    @property
    def status_enum(self) -> Status:
        return Status(self.status)


class SoftDeleted:
    """Deletion with a reason: hidden from lists and search, kept for admins and the trail."""

    deleted_at: Mapped[datetime | None]
    deleted_reason: Mapped[str | None] = mapped_column(String(500))

    @declared_attr
    def deleted_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"))


def record_indexes(cls, *extra: Index) -> tuple:
    """The indexes the shared lists need, for a model built from these mixins, plus `extra`.

    Lists and search show the newest first: read in index order, stop at the LIMIT.
    """
    table = cls.__tablename__
    indexes = [Index(f"ix_{table}_created", "created_at")]
    if issubclass(cls, Tracked):  # My records: one author's, newest first
        indexes.append(Index(f"ix_{table}_author_created", "created_by_id", "created_at"))
    if issubclass(cls, Reviewed):
        # The review queue: submitted records oldest first; their count and their authors
        # (the queue's filter) read from the index alone. deleted_at after the order, not
        # before it: second, it would invite SQLite to skip-scan every status for lists
        # that only filter on deleted_at.
        live = ["deleted_at"] if issubclass(cls, SoftDeleted) else []
        indexes.append(
            Index(f"ix_{table}_review", "status", "created_at", "id", *live, "created_by_id")
        )
        if issubclass(cls, Tracked) and cls.supervisor_review:
            # Today's "Returned to you": one author's records in one state, oldest first.
            indexes.append(
                Index(f"ix_{table}_author_status", "created_by_id", "status", "created_at")
            )
    if issubclass(cls, Located):
        indexes += [
            Index(f"ix_{table}_location", "latitude", "longitude"),
            Index(f"ix_{table}_district_created", "district_id", "created_at"),
        ]
    return (*indexes, *extra)


class FieldRecordMixin(Tracked, Located, Reviewed, SoftDeleted):
    """An officer's field record: who and when, where, the review state and soft deletion."""

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls)


def models_with(mixin: type) -> list[type]:
    """Every mapped model built with `mixin`: how shared services find the records they serve."""
    return sorted(
        (mapper.class_ for mapper in db.Model.registry.mappers if issubclass(mapper.class_, mixin)),
        key=lambda model: model.__tablename__,
    )


class RecordVersion(db.Model):
    """One change to a field record: who, when, what happened and which fields changed."""

    __tablename__ = "record_version"
    __table_args__ = (Index("ix_record_version_record", "record_type", "record_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # {field: [old, new]} for edits; empty for state changes (the comment is in `note`).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)


class ReviewTally(db.Model):
    """How many live records of each record type there are in each review state, per author
    (0: none): what the review queue's counts and Today's "waiting for review" read, a few
    rows however long the queue. Database triggers keep it (records/tally.py)."""

    __tablename__ = "review_tally"

    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    author_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int]
