"""Forgetting on schedule: which records are past their period, and emptying them.

A record past its period keeps its row, reference, dates, district, outcome and counts (the
district numbers stay as they were); its personal fields are emptied (NULL, or "" where the
column requires a value), the same fields are blanked in its version history, and its photos
are deleted from storage. What a rule keeps elsewhere (`RelatedData`: a citation's party row,
issued notices' PDFs) goes in the same unit of work. A record under a hold is never touched.
Each record forgotten is an audit row naming the fields, the number of photos and what else
went, and each run one more with the totals; a second run finds nothing left (idempotent).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, or_, select

from cso_field import audit, settings
from cso_field.auth.models import User
from cso_field.database import begin_write, lock_for_update
from cso_field.extensions import db
from cso_field.photos.models import Photo
from cso_field.records.models import RecordVersion
from cso_field.retention.models import RetentionHold
from cso_field.retention.registry import RULES, RelatedData, RetentionRule, rules
from cso_field.storage import get_storage
from cso_field.timeutil import utcnow

BATCH = 200


class RetentionError(Exception):
    """A hold or a setting that cannot be made; `message` is translated."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Forgotten:
    """One record past its period: what went (or, in a dry run, would go)."""

    rule: str
    record_type: str
    record_id: int
    reference: str | None
    fields: tuple[str, ...]
    photos: int
    related: tuple[str, ...] = ()  # what else went: "party 12: name, mailing address"


@dataclass
class RunReport:
    dry_run: bool
    forgotten: list[Forgotten] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for item in self.forgotten:
            totals[item.rule] = totals.get(item.rule, 0) + 1
        return totals


def period_days(rule: RetentionRule) -> int:
    return int(settings.get_setting(rule.setting_key))


def cutoff(rule: RetentionRule, now: datetime) -> datetime:
    return now - timedelta(days=period_days(rule))


def _blank(rule: RetentionRule, name: str):
    return None if rule.model.__table__.c[name].nullable else ""


def _has_personal_data(rule: RetentionRule, cut: datetime):
    """Records with something left to forget: a personal field not yet blank, a photo, or
    related data that may go by `cut`."""
    model = rule.model
    conditions = []
    for name in rule.personal_fields:
        column, blank = getattr(model, name), _blank(rule, name)
        conditions.append(column.is_not(None) if blank is None else column != blank)
    if rule.photos:
        conditions.append(_photos_exist(rule))
    conditions.extend(related.pending(cut) for related in rule.related)
    return or_(*conditions) if conditions else false()


def _photos_exist(rule: RetentionRule):
    return exists().where(Photo.record_type == rule.record_type, Photo.record_id == rule.model.id)


def _held(rule: RetentionRule):
    if rule.held is not None:
        return rule.held()
    return held(rule.record_type, rule.model.id)


def held(record_type: str, record_id):
    """The SQL condition that the record `record_id` (a column) of `record_type` is held."""
    return exists().where(
        RetentionHold.record_type == record_type,
        RetentionHold.record_id == record_id,
        RetentionHold.released_at.is_(None),
    )


def due_query(rule: RetentionRule, now: datetime):
    """Records of this rule past their period, with personal data left, and not held."""
    cut = cutoff(rule, now)
    return (
        select(rule.model)
        .where(rule.due(cut), _has_personal_data(rule, cut), ~_held(rule))
        .order_by(rule.model.id)
    )


def _photos_of(rule: RetentionRule, record_id: int) -> list[Photo]:
    if not rule.photos:
        return []
    return list(
        db.session.scalars(
            select(Photo).where(Photo.record_type == rule.record_type, Photo.record_id == record_id)
        )
    )


def _related_due(rule: RetentionRule, record, cut: datetime) -> list[RelatedData]:
    model = rule.model
    return [
        related
        for related in rule.related
        if db.session.scalar(select(model.id).where(model.id == record.id, related.pending(cut)))
    ]


def _process(rule: RetentionRule, record, cut: datetime, dry_run: bool) -> Forgotten | None:
    """Forget what this record has left (dry run: only name it); None when nothing was left.
    The files go first: if the database then fails, the next run tries again, and no file
    outlives its period because a row was removed before it."""
    fields = tuple(
        name
        for name in rule.personal_fields
        if getattr(record, name) not in (None, _blank(rule, name))
    )
    photos = _photos_of(rule, record.id)
    if not dry_run:
        _delete_photos(photos)
    related = tuple(
        name for item in _related_due(rule, record, cut) for name in item.forget(record, dry_run)
    )
    if not (fields or photos or related):
        return None
    item = Forgotten(
        rule.name,
        rule.record_type,
        record.id,
        getattr(record, "reference", None),
        fields,
        len(photos),
        related,
    )
    if not dry_run:
        _forget_fields(rule, record, item)
    return item


def _delete_photos(photos: list[Photo]) -> None:
    storage = get_storage()
    for photo in photos:
        for key in {photo.original_key, photo.display_key, photo.thumbnail_key}:
            storage.delete(key)
        db.session.delete(photo)


def _forget_fields(rule: RetentionRule, record, item: Forgotten) -> None:
    for name in item.fields:
        setattr(record, name, _blank(rule, name))
    _blank_versions(rule, record.id)
    also = f"; also {'; '.join(item.related)}" if item.related else ""
    audit.record(
        "retention.forget",
        object_type=rule.record_type,
        object_id=record.id,
        detail=f"{rule.name}: fields {', '.join(item.fields) or '-'}; photos {item.photos}{also}",
    )


def _blank_versions(rule: RetentionRule, record_id: int) -> None:
    """The history keeps which fields changed and when, not what they held."""
    personal = set(rule.personal_fields) | set(rule.history_fields)
    versions = db.session.scalars(
        select(RecordVersion).where(
            RecordVersion.record_type == rule.record_type, RecordVersion.record_id == record_id
        )
    )
    for version in versions:
        if personal & set(version.changes or {}):
            version.changes = {
                name: [None, None] if name in personal else change
                for name, change in version.changes.items()
            }


def run(*, dry_run: bool = False, now: datetime | None = None, limit: int | None = None):
    """Forget what is past its period (dry run: only list it). Commits every BATCH records."""
    now = now or utcnow()
    report = RunReport(dry_run)
    for rule in rules():
        _run_rule(rule, now, report, limit)
    if not dry_run and report.forgotten:
        counts = ", ".join(f"{name}: {count}" for name, count in report.counts().items())
        audit.record("retention.run", object_type="retention", detail=counts)
        db.session.commit()
    return report


def _run_rule(rule: RetentionRule, now: datetime, report: RunReport, limit: int | None):
    after_id, cut = 0, cutoff(rule, now)
    while True:
        if not report.dry_run:
            begin_write()
        query = due_query(rule, now).where(rule.model.id > after_id).limit(BATCH)
        records = list(db.session.scalars(query))
        for record in records:
            item = _process(rule, record, cut, report.dry_run)
            if item is not None:
                report.forgotten.append(item)
        if report.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        if len(records) < BATCH or (limit is not None and len(report.forgotten) >= limit):
            return
        after_id = records[-1].id


# -- Holds and periods (the admin's screen) ----------------------------------------------------


def active_holds(limit: int = 50) -> list[RetentionHold]:
    return list(
        db.session.scalars(
            select(RetentionHold)
            .where(RetentionHold.released_at.is_(None))
            .order_by(RetentionHold.created_at.desc(), RetentionHold.id.desc())
            .limit(limit)
        )
    )


def hold_references(holds: list[RetentionHold]) -> dict[int, str]:
    """{hold id: the held record's reference}, one query per record type."""
    wanted: dict[str, list[RetentionHold]] = {}
    for hold in holds:
        wanted.setdefault(hold.record_type, []).append(hold)
    found = {}
    for record_type, group in wanted.items():
        model = next(r.model for r in rules() if r.record_type == record_type)
        ids = [hold.record_id for hold in group]
        references = dict(
            db.session.execute(select(model.id, model.reference).where(model.id.in_(ids))).all()
        )
        found.update({hold.id: references.get(hold.record_id) or "" for hold in group})
    return found


def find_by_reference(reference: str) -> tuple[str, object] | None:
    """(record type, record) of the record with this reference, among the types that have a
    retention rule: the reference's prefix ("SC-2026-000012") names the type."""
    reference = reference.strip().upper()
    prefix = reference.split("-", 1)[0]
    for rule in rules():
        if getattr(rule.model, "reference_prefix", None) == prefix:
            model = rule.model
            record = db.session.scalar(select(model).where(model.reference == reference))
            return (rule.record_type, record) if record is not None else None
    return None


def place_hold(reference: str, reason: str, user: User) -> RetentionHold:
    found = find_by_reference(reference)
    if found is None:
        raise RetentionError(_l("No record has that reference."))
    record_type, record = found
    begin_write()
    hold = RetentionHold(
        record_type=record_type, record_id=record.id, reason=reason, created_by_id=user.id
    )
    db.session.add(hold)
    db.session.flush()
    audit.record("retention.hold", object_type=record_type, object_id=record.id, detail=reason)
    db.session.commit()
    return hold


def release_hold(hold: RetentionHold, user: User) -> bool:
    lock_for_update(hold)
    if hold.released_at is not None:
        db.session.rollback()
        return False
    hold.released_at = utcnow()
    hold.released_by_id = user.id
    audit.record("retention.release", object_type=hold.record_type, object_id=hold.record_id)
    db.session.commit()
    return True


def save_periods(days: dict[str, int]) -> dict[str, list[int]]:
    """Store the admin's periods ({rule name: days}); returns {rule: [old, new]} changed."""
    begin_write()
    changed = {}
    for name, value in days.items():
        old = period_days(RULES[name])
        if old != value:
            settings.set_setting(RULES[name].setting_key, value)
            changed[name] = [old, value]
    if changed:
        audit.record(
            "settings.update",
            object_type="setting",
            detail=", ".join(f"retention {n}: {o} -> {v} days" for n, (o, v) in changed.items()),
        )
    db.session.commit()
    return changed
