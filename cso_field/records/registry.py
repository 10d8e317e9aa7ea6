"""Record types register here, so the core can serve them without importing them.

A record type's services module calls `register()` for each of its record models, and the
other `register_*` functions for what else it adds to the shared screens: search, entries
on New, cards on Today, template globals. Search, History, Today, New and the audit trail
reach a record type only through this registry.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.extensions import db

# A record type's pages for residents register here too; the error pages read them.
from cso_field.resident_areas import ResidentArea as ResidentArea
from cso_field.resident_areas import register_resident_area as register_resident_area
from cso_field.roles import ALL_ROLES, Role


@dataclass(frozen=True)
class SearchHit:
    record_type: str
    reference: str
    title: str
    address: str | None
    url: str
    status_label: str


@dataclass(frozen=True)
class RecordType:
    name: str  # the stored record_type, e.g. "field_note"
    model: type
    label: object  # lazy translated singular, e.g. "Field note"
    view_endpoint: str  # takes record_id, unless `url` says where a record is shown
    list_endpoint: str
    new_endpoint: str | None  # None: no button on the New screen (made from another page)
    description: object  # lazy translated, shown on the New screen
    # search(text, user, limit) -> list[SearchHit]
    search: Callable[[str, User, int], list[SearchHit]] | None = None
    fields: dict = field(default_factory=dict)  # field name -> lazy label, for History
    summary: Callable[[object], str] | None = None  # one line: what the record is about
    after_delete: Callable[[object], None] | None = None  # keeps what the type derives in step
    url: Callable[[object], str] | None = None  # the record's page, when not view_endpoint's
    # may_delete(user, record): who deletes a live record of this type, when not the default
    # (its author until approved, or an admin; records.services.can_delete).
    may_delete: Callable[[User, object], bool] | None = None


@dataclass(frozen=True)
class SearchProvider:
    label: object  # lazy translated name of what it finds
    search: Callable[[str, User, int], list[SearchHit]]


@dataclass(frozen=True)
class NewEntry:
    """A button on the New screen."""

    endpoint: str
    label: object
    description: object


@dataclass(frozen=True)
class ResidentEntry:
    """What a resident can do here, on the front door: a title, one line, and the page.

    Title and description are resident-facing lazy strings (context "resident"), rendered in
    the resident's language; the endpoint takes `lang`.
    """

    title: object
    description: object
    endpoint: str


@dataclass(frozen=True)
class TodayCard:
    """A card on the Today screen: `template` is rendered with what `context()` returns."""

    template: str
    context: Callable[[], dict]
    roles: frozenset = ALL_ROLES
    # Lower first: what the officer must act on now (a deadline, the post they stand at) comes
    # before the day's counts, so its button stays on the first screen.
    order: int = 100


RECORD_TYPES: dict[str, RecordType] = {}
# What the Search screen asks: every record type that can be searched, and other finds
# such as special checks, which are requests rather than field records.
SEARCH_PROVIDERS: dict[str, SearchProvider] = {}
NEW_ENTRIES: dict[str, NewEntry] = {}
# The front door's list of what a resident can do, for record types with a public side.
RESIDENT_ENTRIES: dict[str, ResidentEntry] = {}
TODAY_CARDS: list[TodayCard] = []
TEMPLATE_GLOBALS: dict[str, Callable] = {}
# Pages a phone may keep for reading offline (cso_field/offline): endpoints of staff pages
# that show the officer's day. A page showing sensitive records (juveniles, missing persons)
# is never registered, so it never leaves the server.
OFFLINE_PAGES: set[str] = set()
# Static files (names under static/) a record type's offline pages need: precached.
OFFLINE_STATIC: set[str] = set()
# What officers are doing now that a record type knows (e.g. standing at a traffic post), for
# the team board: each provider takes a page of user ids and answers {user id: Duty} in one
# query.
CURRENT_DUTIES: list[Callable[[list[int]], dict[int, "Duty"]]] = []


@dataclass(frozen=True)
class Duty:
    text: str
    url: str | None = None


def register_current_duty(provider: Callable[[list[int]], dict[int, Duty]]) -> None:
    if provider not in CURRENT_DUTIES:
        CURRENT_DUTIES.append(provider)


def current_duties(user_ids: list[int]) -> dict[int, Duty]:
    """{user id: what they stand at now}, from every record type that knows."""
    duties: dict[int, Duty] = {}
    for provider in CURRENT_DUTIES if user_ids else ():
        for user_id, duty in provider(user_ids).items():
            duties.setdefault(user_id, duty)
    return duties


# -- District numbers (cso_field/numbers) ------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of District numbers: a count, split by outcome where `outcomes` names them,
    and a sum of money when `money` (e.g. citations and their fines)."""

    key: str  # unique across types, e.g. "check_visit"
    label: object  # lazy translated
    outcomes: dict = field(default_factory=dict)  # outcome value -> lazy label
    money: object = None  # lazy label of the amount, when the figure carries one


@dataclass(frozen=True)
class Tally:
    """What one record adds to a figure: one on `day` in `district_id`, of `outcome`."""

    figure: str
    day: date
    district_id: int | None
    outcome: str = ""
    amount_cents: int = 0


@dataclass(frozen=True)
class DistrictFigures:
    """What a record type adds to District numbers. Either maintained counts: `tally(record)`
    says what a record of `model` counts for, reading only `columns` (the core keeps a day
    and a month count per district as records are written, and recounts on
    `flask numbers rebuild`); or `totals(district_id or None for all, first, last)`, an indexed
    aggregate returning {(figure, outcome): (count, amount in cents)} for small tables."""

    name: str
    figures: tuple[Figure, ...]
    model: type | None = None
    columns: tuple[str, ...] = ()
    tally: Callable[[object], list[Tally]] | None = None
    totals: Callable[[int | None, date, date], dict] | None = None
    order: int = 50  # position on the page


DISTRICT_FIGURES: dict[str, DistrictFigures] = {}

# The figure key District numbers shows as "Overdue work": the assignments package (issue 14,
# part A) registers a DistrictFigures with a `totals` giving {(OVERDUE_WORK, ""): (n, 0)} for
# work overdue in the district during the period. Until something registers it, the page
# says that overdue work is not recorded.
OVERDUE_WORK = "overdue_work"


def register_district_figures(source: DistrictFigures) -> None:
    DISTRICT_FIGURES[source.name] = source


# -- Exports with redaction (cso_field/exports) ------------------------------------------------


class Personal:
    """What kind of personal data a field holds: the export profiles drop or blur by it."""

    JUVENILE = "juvenile"  # a juvenile's identity (California WIC 827)
    BIRTH_DATE = "birth_date"
    PHONE = "phone"
    EMAIL = "email"
    COORDINATE = "coordinate"  # an exact position
    PHOTO = "photo"
    NAME = "name"  # an adult's name
    FREE_TEXT = "free_text"  # an officer's or resident's words: may hold any of the above


@dataclass(frozen=True)
class ExportField:
    name: str  # column header in the file, stable (e.g. "requester_phone")
    value: Callable[[object], object]  # the row's value, from the record
    personal: str | None = None  # a Personal kind, or None for non-personal data


@dataclass(frozen=True)
class ListFilter:
    """A filter of one list that its export carries too (e.g. a case's state, a visit's
    outcome), beside the shared ones (district, dates, author). `choices` {value: lazy
    label} are the values it accepts, offered in the export form; None: a record id, carried
    only from the list's page. `where(model, value)` is the condition, when it is not the
    column `name` equal to the value."""

    name: str  # the query word, e.g. "outcome"
    label: object
    choices: dict | None = None
    where: Callable[[type, str], object] | None = None


@dataclass(frozen=True)
class ExportSource:
    """A list that can be exported: its fields, and its rows under the list's own filters.

    `rows(args)` yields the records the list shows with the query string `args` (without
    paging), streamed (yield_per); `filters(args)` names the filters applied, for the audit
    row: the shared ones and `own_filters`. `list_endpoint` is the page whose filters the
    export carries.
    """

    name: str
    label: object
    list_endpoint: str
    fields: tuple[ExportField, ...]
    rows: Callable[[dict], Iterator]
    filters: Callable[[dict], dict]
    own_filters: tuple[ListFilter, ...] = ()  # the list's own filters (see ListFilter)


EXPORT_SOURCES: dict[str, ExportSource] = {}


def register_export(source: ExportSource) -> None:
    EXPORT_SOURCES[source.name] = source


def register(record_type: RecordType) -> RecordType:
    RECORD_TYPES[record_type.name] = record_type
    audit.register_record_type(record_type.name, record_type.label)
    if record_type.search:
        register_search(record_type.name, record_type.label, record_type.search)
    if record_type.new_endpoint:
        register_new_entry(
            record_type.name,
            NewEntry(record_type.new_endpoint, record_type.label, record_type.description),
        )
    return record_type


def register_search(name: str, label, search: Callable[[str, User, int], list[SearchHit]]):
    SEARCH_PROVIDERS[name] = SearchProvider(label, search)


def register_new_entry(name: str, entry: NewEntry) -> None:
    NEW_ENTRIES[name] = entry


def register_resident_entry(name: str, entry: ResidentEntry) -> None:
    RESIDENT_ENTRIES[name] = entry


def register_today_card(card: TodayCard) -> None:
    if card not in TODAY_CARDS:
        TODAY_CARDS.append(card)


def register_template_globals(**functions: Callable) -> None:
    TEMPLATE_GLOBALS.update(functions)


def register_offline_pages(*endpoints: str, static: tuple[str, ...] = ()) -> None:
    """Pages the phone keeps for reading offline, once the officer has opened them, and the
    static files they need (precached by the service worker)."""
    OFFLINE_PAGES.update(endpoints)
    OFFLINE_STATIC.update(static)


def today_cards_for(user: User) -> list[tuple[str, dict]]:
    """(template, context) of each Today card this user's role sees."""
    cards = sorted((card for card in TODAY_CARDS if user.role in card.roles), key=_card_order)
    return [(card.template, card.context()) for card in cards]


def _card_order(card: TodayCard) -> int:
    return card.order


def get_record(record_type: str, record_id: int):
    """The record, deleted or not, or None for an unknown type or id."""
    registered = RECORD_TYPES.get(record_type)
    return db.session.get(registered.model, record_id) if registered else None


def record_url(record) -> str:
    registered = RECORD_TYPES[record.record_type]
    if registered.url is not None:
        return registered.url(record)
    return url_for(registered.view_endpoint, record_id=record.id)


def can_view(user: User, record) -> bool:
    """Staff see every live record; deleted ones only admins."""
    if record is None or not user.is_authenticated:
        return False
    return getattr(record, "deleted_at", None) is None or user.role == Role.ADMIN


def can_edit(user: User, record) -> bool:
    """The author, until the record is approved or deleted. Records without a review status
    (traffic incidents, enforcement sessions) are not edited through the shared screens."""
    return (
        can_view(user, record)
        and getattr(record, "deleted_at", None) is None
        and record.created_by_id == user.id
        and hasattr(record, "status")
        and record.status != "approved"
    )


@dataclass(frozen=True)
class AuditObject:
    """What an audit row is about, in words: "Field note FN-2026-000001", and its page."""

    text: str
    url: str | None = None


def _audit_object(object_type: str | None, object_id: str | None, find) -> AuditObject | None:
    """Old rows and non-record objects still read sensibly: the type label and the id."""
    if not object_type:
        return None
    registered = RECORD_TYPES.get(object_type)
    if registered is None or not (object_id or "").isdigit():
        label = audit.OBJECT_LABELS.get(object_type, object_type)
        return AuditObject(f"{label} {object_id or ''}".strip())
    record = find(registered.model, int(object_id))
    if record is None:
        return AuditObject(f"{registered.label} {object_id}")
    reference = getattr(record, "reference", None) or object_id
    return AuditObject(f"{registered.label} {reference}", record_url(record))


def audit_objects(events) -> dict[tuple, AuditObject | None]:
    """{(object type, object id): what the audit trail shows for it (its words and link)} for
    a page of audit rows, with one query per record type they name rather than one per row."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type in RECORD_TYPES and (event.object_id or "").isdigit():
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
    found = {}
    for name, ids in wanted.items():
        model = RECORD_TYPES[name].model
        found.update(
            ((model, record.id), record)
            for record in db.session.scalars(select(model).where(model.id.in_(ids)))
        )

    def find(model, record_id: int):
        return found.get((model, record_id))

    return {
        (event.object_type, event.object_id): _audit_object(
            event.object_type, event.object_id, find
        )
        for event in events
    }


def record_summary(record) -> str:
    """The record's first words, as its type chose to summarise it."""
    registered = RECORD_TYPES.get(record.record_type)
    return registered.summary(record) if registered and registered.summary else ""
