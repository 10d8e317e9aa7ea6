"""Rules shared by every field record: idempotent creation, versions, review and deletion.

Routes call these inside one transaction and commit once, so a record, its version, its
audit row and its photos' rows are written together or not at all.
"""

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import g
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.records.models import (
    FieldRecordMixin,
    RecordVersion,
    Reviewed,
    ReviewTally,
    SoftDeleted,
    Status,
    Tracked,
    models_with,
)
from cso_field.records.registry import RECORD_TYPES, RecordType
from cso_field.roles import Role
from cso_field.text_search import newest_matching
from cso_field.timeutil import day_start_utc, department_today, utcnow


class RecordRuleError(Exception):
    """A change the review or deletion rules refuse; `code` picks the message shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class SubmissionConflict(Exception):
    """The same client UUID was sent before with different content."""


def uploaded_digests(files) -> list[str]:
    """SHA-256 of each uploaded file, so a repeated submission is recognised with its photos."""
    digests = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in iter(lambda upload=upload: upload.stream.read(1024 * 1024), b""):
            digest.update(chunk)
        upload.stream.seek(0)
        digests.append(digest.hexdigest())
    return digests


def submission_hash(content: dict, photo_digests: Iterable[str] = ()) -> str:
    canonical = json.dumps(
        {"content": content, "photos": sorted(photo_digests)},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_by_client_uuid(model, client_uuid: uuid.UUID):
    return db.session.scalar(select(model).where(model.client_uuid == client_uuid))


def create_once(model, *, client_uuid: uuid.UUID, digest: str, author: User | None, **fields):
    """Insert a Tracked record once per client UUID and give it its reference.

    Returns (record, created): a repeat of the same submission (same author and digest)
    returns the stored record. Raises SubmissionConflict for a UUID reused with other
    content. Call it before any other write of the transaction: a lost race rolls it back.
    """
    existing = find_by_client_uuid(model, client_uuid)
    if existing is not None:
        return _same_submission(existing, author, digest), False
    record = model(
        client_uuid=client_uuid,
        submission_hash=digest,
        created_by_id=author.id if author else None,
        **fields,
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        # A parallel request with the same UUID won the insert. The insert is this
        # transaction's first write, so rolling it all back loses nothing else.
        db.session.rollback()
        existing = find_by_client_uuid(model, client_uuid)
        if existing is None:
            raise
        return _same_submission(existing, author, digest), False
    record.reference = f"{model.reference_prefix}-{record.created_at:%Y}-{record.id:06d}"
    return record, True


def _same_submission(existing, author: User | None, digest: str):
    author_id = author.id if author else None
    if existing.created_by_id != author_id or existing.submission_hash != digest:
        raise SubmissionConflict
    return existing


def create_record(
    model,
    *,
    client_uuid: uuid.UUID,
    content: dict,
    author: User,
    digest: str,
    status: Status,
    attach: Callable[[object], None],
    prepare: Callable[[], dict | None] = lambda: None,
):
    """Create a field record once per client UUID, with its first version and audit row;
    returns (record, created).

    `prepare` runs first, before any write and only if no record has this client UUID yet:
    the slow work (storing photos, geocoding, any network call), kept out of the write
    transaction and skipped for a repeat. What it returns (e.g. the completed location of
    `districts.services.locate()`) is stored on the record beside `content`. Then the write
    transaction begins (`begin_write()`: on SQLite it holds the only write lock until the
    commit), and `attach` runs once the record has an id (e.g. photos' rows).
    """
    fields = content
    if find_by_client_uuid(model, client_uuid) is None:
        fields = {**content, **(prepare() or {})}
    begin_write()
    record, created = create_once(
        model, client_uuid=client_uuid, digest=digest, author=author, status=status.value, **fields
    )
    if not created:
        return record, False
    attach(record)
    given = {name: [None, value] for name, value in content.items()}
    add_version(record, author, "created", given, first=True)
    audit.record(
        f"{record.record_type}.create", object_type=record.record_type, object_id=record.id
    )
    return record, True


def add_version(
    record,
    user: User,
    action: str,
    changes: dict | None = None,
    note: str | None = None,
    *,
    first: bool = False,
) -> RecordVersion:
    """The record's next version; `first` for a record created in this transaction."""
    latest = None
    if not first:
        latest = db.session.scalar(
            select(func.max(RecordVersion.version)).where(
                RecordVersion.record_type == record.record_type,
                RecordVersion.record_id == record.id,
            )
        )
    version = RecordVersion(
        record_type=record.record_type,
        record_id=record.id,
        version=(latest or 0) + 1,
        action=action,
        changed_by_id=user.id,
        changes=changes or {},
        note=note,
    )
    db.session.add(version)
    return version


def update_record(record, user: User, content: dict) -> dict:
    """Apply an edit; returns {field: [old, new]} for what changed (nothing written if empty)."""
    changes = {
        name: [getattr(record, name), value]
        for name, value in content.items()
        if getattr(record, name) != value
    }
    if not changes:
        return changes
    for name, (_old, new) in changes.items():
        setattr(record, name, new)
    record.updated_at = utcnow()
    add_version(record, user, "edited", _json_safe(changes))
    audit.record(
        f"{record.record_type}.update",
        object_type=record.record_type,
        object_id=record.id,
        detail=", ".join(changes),
    )
    return changes


def _json_safe(changes: dict) -> dict:
    return json.loads(json.dumps(changes, default=str))


def history(record) -> list[RecordVersion]:
    versions = list(
        db.session.scalars(
            select(RecordVersion)
            .where(
                RecordVersion.record_type == record.record_type,
                RecordVersion.record_id == record.id,
            )
            .order_by(RecordVersion.version.desc())
        )
    )
    load_users(version.changed_by_id for version in versions)
    return versions


# -- Review: draft → submitted → approved, or returned with a comment → resubmitted ----------

SUBMITTABLE = {Status.DRAFT: Status.SUBMITTED, Status.RETURNED: Status.RESUBMITTED}
REVIEWABLE = {Status.SUBMITTED, Status.RESUBMITTED}


def submit(record, user: User) -> None:
    if record.created_by_id != user.id:
        raise RecordRuleError("not_author")
    if record.status_enum not in SUBMITTABLE or (
        record.status_enum == Status.DRAFT and record.submitted_by_step
    ):
        raise RecordRuleError("wrong_state")
    _change_status(record, user, SUBMITTABLE[record.status_enum], "submitted")


def send_for_review(record, user: User) -> None:
    """Put a record in the review queue as its type's own step decides (an incident closed, a
    notice issued), whoever takes that step: a draft or an approved record is submitted
    (again), a returned one resubmitted; one already waiting stays as it is."""
    if record.status_enum in REVIEWABLE:
        return
    target = Status.RESUBMITTED if record.status_enum == Status.RETURNED else Status.SUBMITTED
    _change_status(record, user, target, "submitted")


def approve(record, reviewer: User) -> None:
    _check_reviewer(record, reviewer)
    record.review_comment = None
    _change_status(record, reviewer, Status.APPROVED, "approved")


def return_for_changes(record, reviewer: User, comment: str) -> None:
    _check_reviewer(record, reviewer)
    if not comment.strip():
        raise RecordRuleError("comment_required")
    record.review_comment = comment.strip()
    _change_status(record, reviewer, Status.RETURNED, "returned", note=record.review_comment)


def _check_reviewer(record, reviewer: User) -> None:
    if reviewer.role != Role.SENIOR_CSO or reviewer.id == record.created_by_id:
        raise RecordRuleError("not_reviewer")
    if not _awaits_review(record):
        raise RecordRuleError("wrong_state")


def _awaits_review(record) -> bool:
    return (
        type(record).supervisor_review
        and record.status_enum in REVIEWABLE
        and getattr(record, "deleted_at", None) is None
    )


def _change_status(record, user: User, status: Status, action: str, note: str | None = None):
    old = record.status
    record.status = status.value
    if action in ("approved", "returned"):
        record.reviewed_by_id, record.reviewed_at = user.id, utcnow()
    add_version(record, user, action, {"status": [old, status.value]}, note=note)
    audit.record(
        f"{record.record_type}.{action}", object_type=record.record_type, object_id=record.id
    )


def can_review(user: User, record) -> bool:
    return (
        user.role == Role.SENIOR_CSO and user.id != record.created_by_id and _awaits_review(record)
    )


# -- Deletion: hidden from lists, kept for admins and the audit trail ------------------------


def can_delete(user: User, record) -> bool:
    """A live record's author until it is approved, or an admin; a type that registered
    `may_delete` decides for its own records."""
    if getattr(record, "deleted_at", None) is not None:
        return False
    registered = RECORD_TYPES.get(record.record_type)
    if registered is not None and registered.may_delete is not None:
        return registered.may_delete(user, record)
    is_author = record.created_by_id == user.id and record.status != Status.APPROVED
    return is_author or user.role == Role.ADMIN


def delete(record, user: User, reason: str) -> None:
    if not can_delete(user, record):
        raise RecordRuleError("cannot_delete")
    record.deleted_at, record.deleted_by_id, record.deleted_reason = utcnow(), user.id, reason
    add_version(record, user, "deleted", note=reason)
    registered = RECORD_TYPES.get(record.record_type)
    if registered and registered.after_delete:
        registered.after_delete(record)
    audit.record(
        f"{record.record_type}.delete", object_type=record.record_type, object_id=record.id
    )


def live(query, model):
    """Only records that have not been deleted."""
    return query.where(model.deleted_at.is_(None)) if issubclass(model, SoftDeleted) else query


# -- Names shown per row ----------------------------------------------------------------------


def load_users(user_ids: Iterable[int | None]) -> None:
    """Load these accounts in one query and keep them for the request, so that a name shown
    on each row of a list (the `user_name` template global) costs no query of its own."""
    known = g.setdefault("users_by_id", {})
    wanted = {user_id for user_id in user_ids if user_id is not None} - known.keys()
    if wanted:
        known.update(
            (user.id, user) for user in db.session.scalars(select(User).where(User.id.in_(wanted)))
        )


def loaded_user(user_id: int) -> User | None:
    known = g.setdefault("users_by_id", {})
    if user_id not in known:
        known[user_id] = db.session.get(User, user_id)
    return known[user_id]


# -- Search ------------------------------------------------------------------------------------


def search_records(model, text: str, limit: int) -> list:
    """Live records whose declared `search_fields` hold `text` (see text_search), newest first."""
    query = newest_matching(live(select(model), model), model, text)
    return list(db.session.scalars(query.limit(limit)))


# -- Today -------------------------------------------------------------------------------------


TODAY_SHOWN = 5  # rows of each Today list (a glance; "See all" and My records have the rest)


def returned_to(user: User, limit: int = TODAY_SHOWN) -> list:
    """Records returned to this author that wait for changes, oldest first (at most
    `limit`; one more tells the page that more follow). Only the types the review tally
    says this author has returned records of are read."""
    returned = Status.RETURNED.value
    kinds = db.session.scalars(
        select(ReviewTally.record_type).where(
            ReviewTally.author_id == user.id, ReviewTally.status == returned, ReviewTally.count > 0
        )
    ).all()
    records = []
    for model in reviewed_models():  # only a reviewer returns a record
        if model.record_type not in kinds:
            continue
        query = select(model).where(model.created_by_id == user.id, model.status == returned)
        records += db.session.scalars(
            live(query, model).order_by(model.created_at).limit(limit + 1)
        )
    records.sort(key=lambda record: record.reviewed_at or record.created_at)
    return records[: limit + 1]


def created_today_by(user: User, limit: int = TODAY_SHOWN) -> list:
    """The user's records made today, newest first (at most `limit`, plus one if more)."""
    since = day_start_utc(department_today())
    records = []
    for model in models_with(FieldRecordMixin):
        query = select(model).where(model.created_by_id == user.id, model.created_at >= since)
        newest = live(query, model).order_by(model.created_at.desc()).limit(limit + 1)
        records += db.session.scalars(newest)
    records.sort(key=lambda record: record.created_at, reverse=True)
    return records[: limit + 1]


# -- Review queue: what waits for a Senior CSO ---------------------------------------------------


REVIEW_QUEUE_PAGE = 25  # rows a page; "Load more" fetches the next
WAITING = (Status.SUBMITTED.value, Status.RESUBMITTED.value)  # what the queue holds


def reviewed_types() -> list[RecordType]:
    """The registered record types a Senior CSO reviews: every type whose model is Reviewed
    and has not opted out (`supervisor_review = False`)."""
    return [
        registered
        for registered in RECORD_TYPES.values()
        if issubclass(registered.model, Reviewed) and registered.model.supervisor_review
    ]


def reviewed_models() -> list[type]:
    """The record models a Senior CSO reviews."""
    return [registered.model for registered in reviewed_types()]


def _waiting(model, status: str, author_id: int | None):
    """(created_at, id) of the live records of `model` waiting in `status`, read in the
    review index's order (ix_<table>_review holds every column asked for)."""
    query = live(select(model.created_at, model.id).where(model.status == status), model)
    query = query.where(model.created_by_id == author_id) if author_id else query
    return query.order_by(model.created_at, model.id)


def review_queue(
    record_type: str | None = None,
    author_id: int | None = None,
    page: int = 1,
    size: int = REVIEW_QUEUE_PAGE,
    counts: "ReviewCounts | None" = None,
) -> tuple[list, bool]:
    """(page `page` of the live records submitted or resubmitted for review, oldest first;
    whether more follow), optionally of one type or one CSO. The page is chosen from index
    rows (one bounded read per reviewed type and state; with `counts`, only those where
    something waits), then only its records are loaded, one query per type."""
    wanted = page * size + 1
    keys = []
    for model in reviewed_models():
        if record_type and model.record_type != record_type:
            continue
        for status in WAITING:
            if counts is not None and (model.record_type, status) not in counts.states:
                continue
            rows = db.session.execute(_waiting(model, status, author_id).limit(wanted))
            keys += [
                (created_at, model.record_type, record_id, model) for created_at, record_id in rows
            ]
    keys.sort(key=lambda key: key[:3])
    chosen = keys[(page - 1) * size : page * size]
    loaded = {}
    for model in {key[3] for key in chosen}:
        ids = [key[2] for key in chosen if key[3] is model]
        loaded.update(
            ((model, record.id), record)
            for record in db.session.scalars(select(model).where(model.id.in_(ids)))
        )
    shown = [loaded[(key[3], key[2])] for key in chosen]
    load_users(record.created_by_id for record in shown)
    return shown, len(keys) > page * size


BUSIEST_AUTHORS = 10


@dataclass(frozen=True)
class ReviewCounts:
    """What waits for review: per record type, per author, and in all."""

    by_type: dict[str, int]
    by_author: dict[int, int]
    states: frozenset = frozenset()  # (record type, status) pairs with something waiting

    @property
    def total(self) -> int:
        return sum(self.by_type.values())

    def busiest(self, authors: list, limit: int = BUSIEST_AUTHORS) -> list:
        """The `limit` authors with the most waiting, most first: the counts table stays
        short in a large department, and the queue's filter still reaches every CSO."""
        most_first = sorted(authors, key=lambda user: -self.by_author.get(user.id, 0))
        return most_first[:limit]


def _waiting_tallied() -> tuple:
    """The review tally's rows of what waits: reviewed types, submitted or resubmitted."""
    kinds = [model.record_type for model in reviewed_models()]
    return (
        ReviewTally.record_type.in_(kinds),
        ReviewTally.status.in_(WAITING),
        ReviewTally.count > 0,
    )


def review_counts() -> ReviewCounts:
    """Counts of the queue, by type and by author, from the review tally (records/tally.py):
    a few rows however many records wait."""
    by_type: dict[str, int] = {}
    by_author: dict[int, int] = {}
    states = set()
    tally = ReviewTally
    query = select(tally.record_type, tally.status, tally.author_id, tally.count)
    for record_type, status, author_id, count in db.session.execute(
        query.where(*_waiting_tallied())
    ):
        by_type[record_type] = by_type.get(record_type, 0) + count
        if author_id:  # 0: records whose author's account is gone
            by_author[author_id] = by_author.get(author_id, 0) + count
        states.add((record_type, status))
    return ReviewCounts(by_type, by_author, frozenset(states))


def review_count() -> int:
    query = select(func.sum(ReviewTally.count)).where(*_waiting_tallied())
    return db.session.scalar(query) or 0


NEXT_TO_REVIEW_SCAN = 50  # the oldest records looked at for the next one a reviewer may take


def next_to_review(user: User):
    """The oldest submitted record this user may review, or None when the queue is empty."""
    oldest, _more = review_queue(size=NEXT_TO_REVIEW_SCAN)
    return next((record for record in oldest if can_review(user, record)), None)


def queue_authors(counts: ReviewCounts | None = None) -> list[User]:
    """The CSOs who have records waiting, by name, for the queue's filter and counts."""
    counts = counts or review_counts()
    load_users(counts.by_author)  # kept for the request: the rows' names need no query
    authors = [loaded_user(author_id) for author_id in counts.by_author]
    return sorted((user for user in authors if user), key=lambda user: user.display_name)


# -- My records: everything an officer wrote, newest first -----------------------------------

MY_RECORDS_PAGE = 25  # rows a page: rendering the rows is most of the cost of the list


def my_records(user: User, record_type: str | None, status: str | None, page: int):
    """(rows, has_more): one page of the user's live records, newest first."""
    wanted = (page * MY_RECORDS_PAGE) + 1
    records = []
    for model in models_with(Tracked):
        name = getattr(model, "record_type", None)
        if name not in RECORD_TYPES or (record_type and name != record_type):
            continue  # only types with a record page can be listed
        query = live(select(model).where(model.created_by_id == user.id), model)
        if status:
            if not issubclass(model, Reviewed):
                continue
            query = query.where(model.status == status)
        records += db.session.scalars(query.order_by(model.created_at.desc()).limit(wanted))
    records.sort(key=lambda record: record.created_at, reverse=True)
    start = (page - 1) * MY_RECORDS_PAGE
    return records[start : start + MY_RECORDS_PAGE], len(records) > start + MY_RECORDS_PAGE
