"""What every record type's export shares: the list filters (?district=, ?from=, ?to=,
?author=, and each list's own, registry.ListFilter), the rows streamed in id order, and the
fields of the record mixins (who, when, where, review).

A record type builds its records.registry.ExportSource from these and its own fields."""

from collections.abc import Iterator
from datetime import date, timedelta

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer

from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.records.models import Located, Reviewed, Status, Tracked
from cso_field.records.registry import ExportField, ListFilter, Personal
from cso_field.records.services import live, loaded_user
from cso_field.timeutil import day_start_utc

STREAM_BATCH = 1000


def _date(args: dict, name: str) -> date | None:
    try:
        return date.fromisoformat(args.get(name) or "")
    except ValueError:
        return None


def _record_id(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and 0 < len(raw) < 10


def list_filters(args: dict, own: tuple[ListFilter, ...] = ()) -> dict:
    """The filters a list page carries that exports apply: district, first and last day, the
    author, and the list's `own` filters with an accepted value; unknown values are left
    out (the list shows every record then, as its page does)."""
    district, author = args.get("district") or "", args.get("author") or ""
    filters = {
        "district": int(district) if _record_id(district) else None,
        "from": _date(args, "from"),
        "to": _date(args, "to"),
        "author": int(author) if _record_id(author) else None,
    }
    for item in own:
        raw = args.get(item.name) or ""
        accepted = _record_id(raw) if item.choices is None else raw in item.choices
        filters[item.name] = raw if accepted else None
    return {name: value for name, value in filters.items() if value is not None}


def status_filter() -> ListFilter:
    """The review state, for the lists of a Reviewed type."""
    choices = {status.value: status.lazy_label for status in Status}
    return ListFilter("status", _l("Review"), choices)


def _condition(item: ListFilter, model, value: str):
    return item.where(model, value) if item.where else getattr(model, item.name) == value


def list_rows(model, args: dict, query=None, own: tuple[ListFilter, ...] = ()) -> Iterator:
    """The live records of `model` (or of `query`) under the list filters, oldest first,
    fetched STREAM_BATCH at a time (yield_per: a server-side cursor on PostgreSQL)."""
    filters = list_filters(args, own)
    query = live(query if query is not None else select(model), model)
    if "district" in filters and issubclass(model, Located):
        query = query.where(model.district_id == filters["district"])
    if "from" in filters:
        query = query.where(model.created_at >= day_start_utc(filters["from"]))
    if "to" in filters:
        query = query.where(model.created_at < day_start_utc(filters["to"] + timedelta(days=1)))
    if "author" in filters:
        query = query.where(model.created_by_id == filters["author"])
    for item in own:
        if item.name in filters:
            query = query.where(_condition(item, model, filters[item.name]))
    query = query.order_by(model.id).options(*_not_exported(model))
    yield from db.session.scalars(query.execution_options(yield_per=STREAM_BATCH))


def _not_exported(model) -> list:
    """Columns no export shows, left unread (a client UUID costs a parse per row)."""
    if not issubclass(model, Tracked):
        return []
    return [defer(model.client_uuid), defer(model.submission_hash)]


def district_name(district_id: int | None) -> str:
    """A district's name, from every district's read once an export."""
    names = g.get("export_district_names")
    if names is None:
        names = g.export_district_names = dict(
            db.session.execute(select(District.id, District.name)).all()
        )
    return names.get(district_id, "") if district_id else ""


def _author(record) -> str:
    user = loaded_user(record.created_by_id) if record.created_by_id else None
    return user.username if user else ""


def tracked_fields() -> tuple[ExportField, ...]:
    return (
        ExportField("reference", lambda record: record.reference),
        ExportField("created_at", lambda record: record.created_at),
        ExportField("author", _author),
    )


def located_fields() -> tuple[ExportField, ...]:
    return (
        ExportField("address", lambda record: record.address),
        ExportField("district", lambda record: district_name(record.district_id)),
        ExportField("latitude", lambda record: record.latitude, Personal.COORDINATE),
        ExportField("longitude", lambda record: record.longitude, Personal.COORDINATE),
        ExportField("accuracy_m", lambda record: record.accuracy_m, Personal.COORDINATE),
    )


def reviewed_fields() -> tuple[ExportField, ...]:
    return (
        ExportField("status", lambda record: record.status),
        ExportField("review_comment", lambda record: record.review_comment, Personal.FREE_TEXT),
    )


def record_fields(model) -> tuple[ExportField, ...]:
    """The fields of the mixins `model` is built from."""
    fields = tracked_fields()
    if issubclass(model, Located):
        fields += located_fields()
    if issubclass(model, Reviewed):
        fields += reviewed_fields()
    return fields
