"""Chain of custody: the rules as plain functions, the lists, and the registration.

An item's chain starts with the officer who collected it; each transfer hands it from its
holder to the next, at a later time than the transfer before, accepted by both parties'
drawn signatures. A trip carries items from their pick-up to their delivery and closes only
when every item it carries is delivered. Errors are `CustodyError` with a code (ERRORS).
"""

import base64
import binascii
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import url_for
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.custody.models import (
    AssetSeizure,
    CustodyItem,
    CustodyTransfer,
    LabMailing,
    SupplyItem,
    SupplyMovement,
    Transport,
    TransportItem,
)
from cso_field.custody.retention import register_retention
from cso_field.database import begin_write, lock_for_update, write_transaction
from cso_field.demo import register_demo
from cso_field.documents import storage_url
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.photos.services import unit_of_work
from cso_field.records import services as records
from cso_field.records.registry import (
    RecordType,
    SearchHit,
    TodayCard,
    register,
    register_template_globals,
    register_today_card,
)
from cso_field.roles import FIELD_ROLES, Role
from cso_field.settings import get_setting, register_defaults
from cso_field.storage import StorageError, get_storage
from cso_field.timeutil import day_start_utc, department_day, department_today, utcnow

LIST_LIMIT = 25
MAX_ITEMS_AT_ONCE = 20
# A transfer may be recorded a little ahead of the server's clock (a phone's clock is not exact).
CLOCK_SLACK = timedelta(minutes=5)
SIGNATURE_MAX_BYTES = 300_000
SIGNATURE_MAX_SIDE = 2_000
SIGNATURE_MIN_INK = 20  # drawn pixels: a tap is not a signature
WITNESS_SETTING = "custody.narcotics_witness_required"
CONFIRMATION_SETTING = "custody.lab_confirmation_days"
REPORT_LIMIT = 10_000  # seizures in one report: years of a department's log


class ItemKind(LabelledEnum):
    EVIDENCE = "evidence", _l("Evidence")
    LAB_SAMPLE = "lab_sample", _l("Lab sample")
    NARCOTICS = "narcotics", _l("Narcotics")
    DOCUMENT = "document", _l("Document")
    PROPERTY = "property", _l("Property")
    OTHER = "other", _l("Other")


class PartyKind(LabelledEnum):
    PERSON = "person", _l("Person")
    UNIT = "unit", _l("Unit")
    AGENCY = "agency", _l("Outside agency")


ERRORS = {
    "missing_signature": _l("Both parties must sign: draw each signature with a finger."),
    "bad_signature": _l("A signature could not be read. Clear it and sign again."),
    "custody_gap": _l(
        "The item is held by %(holder)s: a transfer must start from its holder, or the chain "
        "has a gap."
    ),
    "time_gap": _l(
        "The time is before the item's last hand-over (%(since)s): the chain would have a gap "
        "in time."
    ),
    "future_time": _l("The time of the transfer is in the future."),
    "same_party": _l("The item cannot be handed to the party that holds it."),
    "on_a_trip": _l("%(item)s is on trip %(trip)s: it cannot be in two places at once."),
    "unknown_item": _l("No item has the number %(item)s."),
    "not_on_trip": _l("%(item)s is not on this trip."),
    "not_picked_up": _l("%(item)s was not picked up on this trip."),
    "already_delivered": _l("%(item)s was already delivered."),
    "already_picked_up": _l("%(item)s was already picked up."),
    "no_items": _l("Type or scan at least one item number."),
    "unaccounted": _l("The trip cannot close: %(items)s not delivered."),
    "lab_receipt": _l("A narcotics delivery needs the laboratory's receipt number."),
    "witness": _l("A narcotics delivery needs a second witness."),
    "closed": _l("This trip is closed."),
    "deleted": _l("This record was deleted."),
    "address_needed": _l("Give the outside agency's address."),
    "not_a_sample": _l("Only a lab sample is mailed to a laboratory."),
    "mailed": _l("%(item)s was mailed to a laboratory: it is no longer in hand."),
    "mailed_before_collected": _l("The date mailed is before the sample was collected."),
    "future_date": _l("The date is in the future."),
    "received_before_mailed": _l("The laboratory cannot have received it before it was mailed."),
    "already_confirmed": _l("The laboratory's receipt was already recorded."),
    "same_counter": _l("Cash is counted by two different people: choose the second counter."),
    "unknown_counter": _l("Choose the second counter from the list."),
    "same_signature": _l("The two signatures are the same drawing: each counter signs."),
    "wrong_state": _l("A seizure in this state cannot change to that one."),
    "not_enough": _l("Only %(count)d on hand."),
    "restock_supervisors": _l("Only a Senior CSO or an administrator restocks supplies."),
    "supply_exists": _l("A supply with this name is already listed."),
    "person_needed": _l("Give the name of who takes or returns them, and their unit."),
}


class CustodyError(Exception):
    """A change the rules refuse; `message` is the translated reason."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values

    @property
    def message(self) -> str:
        return str(ERRORS[self.code]) % self.values if self.values else str(ERRORS[self.code])


@dataclass(frozen=True)
class Party:
    kind: str
    name: str
    address: str | None = None

    def same_as(self, other: "Party") -> bool:
        return self.kind == other.kind and _key(self.name) == _key(other.name)

    @property
    def label(self) -> str:
        return self.name if self.kind != PartyKind.AGENCY else f"{self.name}, {self.address or ''}"


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def holder(item: CustodyItem) -> Party:
    return Party(item.holder_kind, item.holder_name, item.holder_address)


def officer(user: User) -> Party:
    return Party(PartyKind.PERSON.value, user.display_name)


# -- Signatures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    data: bytes
    sha256: str

    @property
    def key(self) -> str:
        return f"custody/signatures/{self.sha256[:2]}/{self.sha256}.png"


def read_signature(data_url: str | None) -> Signature:
    """A signature drawn on the screen, posted as a PNG data URL; refused when missing,
    blank (a tap is not a signature), not a PNG, or too large."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise CustodyError("missing_signature")
    encoded = data_url[len(prefix) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise CustodyError("bad_signature")
    try:
        data = base64.b64decode(encoded, validate=True)
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or max(image.size) > SIGNATURE_MAX_SIDE:
                raise CustodyError("bad_signature")
            alpha = image.convert("RGBA").getchannel("A")
            ink = sum(alpha.point(lambda value: 255 if value > 0 else 0).histogram()[255:])
    except (
        binascii.Error,
        ValueError,
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
    ):
        raise CustodyError("bad_signature") from None
    if ink < SIGNATURE_MIN_INK:
        raise CustodyError("missing_signature")
    return Signature(data, hashlib.sha256(data).hexdigest())


def _store_signature(signature: Signature) -> None:
    """Write the image before any database write (same content, same key: idempotent)."""
    try:
        get_storage().put(signature.key, signature.data)
    except StorageError as error:
        raise CustodyError("bad_signature") from error


def signature_image(transfer: CustodyTransfer, which: str) -> bytes:
    key = getattr(transfer, f"{which}_signature_key")
    return get_storage().read(key)


# -- Items -------------------------------------------------------------------------------------


def create_item(
    content: dict, *, client_uuid: uuid.UUID, author: User, uploads: list
) -> tuple[CustodyItem, bool]:
    """Record a collected item with its photos; its first holder is the collecting officer."""
    digest = records.submission_hash(
        {key: str(value) for key, value in content.items()}, records.uploaded_digests(uploads)
    )
    mine = officer(author)
    fields = {
        **content,
        "holder_kind": mine.kind,
        "holder_name": mine.name,
        "holder_address": None,
        "held_since": content["collected_at"],
        "current_seal": content.get("seal_number"),
        "current_condition": content["condition"],
    }
    with unit_of_work() as photos:
        if records.find_by_client_uuid(CustodyItem, client_uuid) is None:
            photos.store(uploads)  # the slow part, before the first write
        return _create(CustodyItem, client_uuid, digest, author, fields, photos.attach)


def _create(model, client_uuid, digest, author, fields, attach):
    """Insert a Tracked record once per client UUID, with its first version and audit row;
    the caller commits. Returns (record, created)."""
    begin_write()
    record, created = records.create_once(
        model, client_uuid=client_uuid, digest=digest, author=author, **fields
    )
    if created:
        attach(record, author)
        given = {name: [None, str(value)] for name, value in fields.items()}
        records.add_version(record, author, "created", given, first=True)
        audit.record(
            f"{record.record_type}.create", object_type=record.record_type, object_id=record.id
        )
    return record, created


def find_items(numbers: list[str]) -> list[CustodyItem]:
    """The live items with these reference numbers, in the order typed; CustodyError for one
    that does not exist."""
    wanted = [number.strip().upper() for number in numbers if number.strip()]
    if not wanted:
        raise CustodyError("no_items")
    found = {
        item.reference: item
        for item in db.session.scalars(
            select(CustodyItem).where(
                CustodyItem.reference.in_(wanted), CustodyItem.deleted_at.is_(None)
            )
        )
    }
    for number in wanted:
        if number not in found:
            raise CustodyError("unknown_item", item=number)
    return [found[number] for number in dict.fromkeys(wanted)]


def parse_numbers(text: str | None) -> list[str]:
    """Item numbers typed or scanned: one a line, or separated by commas or spaces."""
    return (text or "").replace(",", " ").split()[:MAX_ITEMS_AT_ONCE]


# -- Transfers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handover:
    """What both parties confirm: who gives, who receives, when, where, why, what they saw."""

    giver: Party
    receiver: Party
    at: datetime  # UTC
    place: str
    purpose: str
    seal_intact: bool
    seal_seen: str | None
    new_seal: str | None
    condition: str
    notes: str | None
    giver_signed_name: str
    receiver_signed_name: str
    giver_signature: str | None  # the posted data URLs
    receiver_signature: str | None


def check_transfer(item: CustodyItem, handover: Handover, *, transport: Transport | None = None):
    """The rules one transfer of `item` must meet; CustodyError otherwise."""
    if item.deleted_at is not None:
        raise CustodyError("deleted")
    if not handover.giver.same_as(holder(item)):
        raise CustodyError("custody_gap", holder=holder(item).label)
    if handover.receiver.same_as(handover.giver):
        raise CustodyError("same_party")
    if handover.at <= item.held_since:
        raise CustodyError("time_gap", since=_shown(item.held_since))
    if handover.at > utcnow() + CLOCK_SLACK:
        raise CustodyError("future_time")
    if item.mailing is not None:
        raise CustodyError("mailed", item=item.reference)
    if item.transport_id is not None and (transport is None or item.transport_id != transport.id):
        trip = db.session.get(Transport, item.transport_id)
        raise CustodyError("on_a_trip", item=item.reference, trip=trip.reference)
    for party in (handover.giver, handover.receiver):
        if party.kind == PartyKind.AGENCY and not (party.address or "").strip():
            raise CustodyError("address_needed")


def _shown(moment: datetime) -> str:
    from flask_babel import format_datetime

    return format_datetime(moment, "short")


def transfer(
    items: list[CustodyItem],
    handover: Handover,
    user: User,
    *,
    transport: Transport | None = None,
) -> list[CustodyTransfer]:
    """Hand items over, one transfer each, accepted by both signatures; commits all or none."""
    giver_signature = read_signature(handover.giver_signature)
    receiver_signature = read_signature(handover.receiver_signature)
    for item in items:
        check_transfer(item, handover, transport=transport)  # before storing anything
    _store_signature(giver_signature)
    _store_signature(receiver_signature)
    made = []
    with write_transaction():
        for item in items:
            lock_for_update(item)
            check_transfer(item, handover, transport=transport)  # as the last writer left it
            made.append(
                _add_transfer(item, handover, user, transport, giver_signature, receiver_signature)
            )
    return made


def _add_transfer(item, handover, user, transport, giver_signature, receiver_signature):
    seal_seen = (handover.seal_seen or "").strip() or None
    seal_intact = handover.seal_intact and (
        seal_seen is None or item.current_seal is None or seal_seen == item.current_seal
    )
    condition = handover.condition.strip()
    row = CustodyTransfer(
        item_id=item.id,
        sequence=len(item.transfers) + 1,
        transferred_at=handover.at,
        place=handover.place,
        purpose=handover.purpose,
        from_kind=handover.giver.kind,
        from_name=handover.giver.name,
        from_address=handover.giver.address,
        to_kind=handover.receiver.kind,
        to_name=handover.receiver.name,
        to_address=handover.receiver.address,
        seal_intact=seal_intact,
        seal_seen=seal_seen,
        new_seal=(handover.new_seal or "").strip() or None,
        condition=condition,
        condition_changed=_key(condition) != _key(item.current_condition),
        notes=handover.notes,
        giver_signed_name=handover.giver_signed_name,
        giver_signature_key=giver_signature.key,
        giver_signature_sha256=giver_signature.sha256,
        receiver_signed_name=handover.receiver_signed_name,
        receiver_signature_key=receiver_signature.key,
        receiver_signature_sha256=receiver_signature.sha256,
        transport_id=transport.id if transport else None,
        recorded_by_id=user.id,
    )
    db.session.add(row)
    item.transfers.append(row)
    item.holder_kind, item.holder_name = row.to_kind, row.to_name
    item.holder_address, item.held_since = row.to_address, row.transferred_at
    item.current_seal = row.new_seal or row.seal_seen or item.current_seal
    item.current_condition = condition
    item.updated_at = utcnow()
    db.session.flush()
    changes = {"holder_name": [row.from_name, row.to_name]}
    if not seal_intact:
        changes["seal"] = [item.seal_number, seal_seen]
    records.add_version(item, user, "transfer", changes, note=row.purpose)
    audit.record(
        "custody_item.transfer",
        object_type="custody_item",
        object_id=item.id,
        detail=f"{row.sequence}: {row.from_name} → {row.to_name}",
    )
    return row


def check_chain(item: CustodyItem) -> list[str]:
    """Problems in a stored chain (none for one made through `transfer`): a hand-over from
    someone other than the holder, a time before the previous one, a missing signature."""
    problems = []
    previous = Party(PartyKind.PERSON.value, "")
    since = item.collected_at
    for number, row in enumerate(item.transfers, start=1):
        giver = Party(row.from_kind, row.from_name)
        if number > 1 and not giver.same_as(previous):
            problems.append("custody_gap")
        if row.transferred_at <= since:
            problems.append("time_gap")
        if not (row.giver_signature_sha256 and row.receiver_signature_sha256):
            problems.append("missing_signature")
        previous, since = Party(row.to_kind, row.to_name), row.transferred_at
    return problems


def list_items(page: int, mine: User | None = None) -> tuple[list[CustodyItem], bool]:
    query = records.live(select(CustodyItem), CustodyItem)
    if mine is not None:
        query = query.where(CustodyItem.created_by_id == mine.id)
    offset = (page - 1) * LIST_LIMIT
    rows = list(
        db.session.scalars(
            query.order_by(CustodyItem.created_at.desc()).offset(offset).limit(LIST_LIMIT + 1)
        )
    )
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


# -- Transports --------------------------------------------------------------------------------


def create_transport(content: dict, numbers: list[str], *, client_uuid: uuid.UUID, author: User):
    """A trip for these items, to a destination agency; an item on another open trip is
    refused (it cannot be in two places at once)."""
    items = find_items(numbers)
    digest = records.submission_hash({**content, "items": sorted(i.reference for i in items)})

    def attach(trip: Transport, _author) -> None:
        for item in items:
            lock_for_update(item)
            if item.transport_id is not None:
                other = db.session.get(Transport, item.transport_id)
                raise CustodyError("on_a_trip", item=item.reference, trip=other.reference)
            item.transport_id = trip.id
            db.session.add(TransportItem(transport_id=trip.id, item_id=item.id))

    try:
        trip, created = _create(Transport, client_uuid, digest, author, content, attach)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return trip, created


def _trip_items(trip: Transport, numbers: list[str]) -> list[TransportItem]:
    if trip.deleted_at is not None:
        raise CustodyError("deleted")
    if trip.closed_at is not None:
        raise CustodyError("closed")
    on_trip = {row.item.reference: row for row in trip.items}
    chosen = []
    for number in dict.fromkeys(n.strip().upper() for n in numbers if n.strip()):
        if number not in on_trip:
            raise CustodyError("not_on_trip", item=number)
        chosen.append(on_trip[number])
    if not chosen:
        raise CustodyError("no_items")
    return chosen


def pick_up(trip: Transport, numbers: list[str], handover: Handover, user: User):
    """The CSO scans or types each item at pick-up; the holder hands them over, both sign."""
    rows = _trip_items(trip, numbers)
    for row in rows:
        if row.picked_up_at is not None:
            raise CustodyError("already_picked_up", item=row.item.reference)
    made = transfer([row.item for row in rows], handover, user, transport=trip)
    with write_transaction(trip):
        for row in rows:
            row.picked_up_at = handover.at
        trip.started_at = trip.started_at or handover.at
    return made


def drop_off(trip: Transport, numbers: list[str], handover: Handover, user: User):
    """Each item scanned or typed again at the destination; the receiver signs for them."""
    rows = _trip_items(trip, numbers)
    for row in rows:
        if row.picked_up_at is None:
            raise CustodyError("not_picked_up", item=row.item.reference)
        if row.delivered_at is not None:
            raise CustodyError("already_delivered", item=row.item.reference)
    made = transfer([row.item for row in rows], handover, user, transport=trip)
    with write_transaction(trip):
        for row in rows:
            row.delivered_at = handover.at
    return made


class Step(LabelledEnum):
    PICK_UP = "pickup", _l("Pick-up")
    DROP_OFF = "dropoff", _l("Drop-off")


def hand_over(
    numbers: list[str], handover: Handover, user: User, *, trip: Transport | None, step: str
) -> list[CustodyTransfer]:
    """A hand-over outside any trip, or a trip's pick-up or drop-off."""
    if trip is None:
        return transfer(find_items(numbers), handover, user)
    if step == Step.DROP_OFF:
        return drop_off(trip, numbers, handover, user)
    return pick_up(trip, numbers, handover, user)


def prefill_handover(form, args, user: User, trip: Transport | None) -> None:
    """Start a hand-over form with what is known: the item's holder gives, the officer
    receives; on a trip's drop-off the officer gives to the destination agency. Item numbers
    on a trip are scanned or typed by the officer, never filled in."""
    mine = officer(user)
    step = args.get("step") if args.get("step") in set(Step) else Step.PICK_UP.value
    first = None
    if trip is None:
        numbers = parse_numbers(args.get("items"))
        found = db.session.scalar(
            select(CustodyItem).where(CustodyItem.reference.in_(numbers or [""]))
        )
        first = found if found is not None and found.deleted_at is None else None
        form.items.data = " ".join(numbers)
    else:
        form.transport.data, form.step.data = str(trip.id), step
        done = "delivered_at" if step == Step.DROP_OFF else "picked_up_at"
        waiting = [row.item for row in trip.items if getattr(row, done) is None]
        first = waiting[0] if waiting else None
    if trip is not None and step == Step.DROP_OFF:
        giver = mine
        receiver = Party(PartyKind.AGENCY.value, trip.destination_agency, trip.destination_address)
        form.place.data = trip.destination_address
        form.purpose.data = str(_l("Delivery to %(agency)s", agency=trip.destination_agency))
    else:
        giver = holder(first) if first is not None else Party(PartyKind.PERSON.value, "")
        receiver = mine
        if trip is not None:
            form.purpose.data = str(_l("Transport to %(agency)s", agency=trip.destination_agency))
    for prefix, party in (("giver", giver), ("receiver", receiver)):
        getattr(form, f"{prefix}_kind").data = party.kind
        getattr(form, f"{prefix}_name").data = party.name
        getattr(form, f"{prefix}_address").data = party.address
        if party == mine:
            getattr(form, f"{prefix}_signed_name").data = mine.name
    if first is not None:
        form.condition.data = first.current_condition


def transport_context(trip: Transport) -> dict:
    transfers = db.session.scalars(
        select(CustodyTransfer)
        .where(CustodyTransfer.transport_id == trip.id)
        .order_by(CustodyTransfer.transferred_at, CustodyTransfer.id)
    )
    return {
        "rows": trip.items,
        "transfers": list(transfers),
        "narcotics": carries_narcotics(trip),
        "witness_required": witness_required(),
        "to_pick_up": any(row.picked_up_at is None for row in trip.items),
        "to_deliver": any(row.picked_up_at and not row.delivered_at for row in trip.items),
    }


def carries_narcotics(trip: Transport) -> bool:
    return any(row.item.kind == ItemKind.NARCOTICS for row in trip.items)


def witness_required() -> bool:
    return bool(get_setting(WITNESS_SETTING))


def close_transport(trip: Transport, user: User, lab_receipt: str | None, witness: str | None):
    """Close the trip: every item delivered; for narcotics the lab's receipt number, and a
    second witness when the department requires one. Frees the items for other trips."""
    with write_transaction(trip):
        if trip.deleted_at is not None:
            raise CustodyError("deleted")
        if trip.closed_at is not None:
            raise CustodyError("closed")
        missing = [row.item.reference for row in trip.items if row.delivered_at is None]
        if missing:
            raise CustodyError("unaccounted", items=", ".join(missing))
        lab_receipt, witness = (lab_receipt or "").strip(), (witness or "").strip()
        if carries_narcotics(trip):
            if not lab_receipt:
                raise CustodyError("lab_receipt")
            if witness_required() and not witness:
                raise CustodyError("witness")
        trip.lab_receipt_number = lab_receipt or None
        trip.witness_name = witness or None
        trip.closed_at = utcnow()
        for row in trip.items:
            row.item.transport_id = None
        records.add_version(trip, user, "closed", {"closed_at": [None, trip.closed_at.isoformat()]})
        audit.record("custody_transport.close", object_type="custody_transport", object_id=trip.id)
    return trip


def list_transports(page: int, open_only: bool) -> tuple[list[Transport], bool]:
    query = records.live(select(Transport), Transport)
    if open_only:
        query = query.where(Transport.closed_at.is_(None))
    offset = (page - 1) * LIST_LIMIT
    rows = list(
        db.session.scalars(
            query.order_by(Transport.created_at.desc()).offset(offset).limit(LIST_LIMIT + 1)
        )
    )
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


# -- Lab samples by mail ----------------------------------------------------------------------


def mail_sample(item: CustodyItem, content: dict, user: User) -> LabMailing:
    """Record a urine or blood sample mailed to a laboratory (carrier, tracking number, date,
    laboratory); the item then leaves the officer's hands. Commits."""
    with write_transaction(item):
        if item.deleted_at is not None:
            raise CustodyError("deleted")
        if item.kind != ItemKind.LAB_SAMPLE:
            raise CustodyError("not_a_sample")
        if item.mailing is not None:
            raise CustodyError("mailed", item=item.reference)
        if item.transport_id is not None:
            trip = db.session.get(Transport, item.transport_id)
            raise CustodyError("on_a_trip", item=item.reference, trip=trip.reference)
        if content["mailed_on"] > department_today():
            raise CustodyError("future_date")
        if content["mailed_on"] < department_day(item.collected_at):
            raise CustodyError("mailed_before_collected")
        mailing = LabMailing(item_id=item.id, recorded_by_id=user.id, **content)
        db.session.add(mailing)
        item.mailing = mailing
        item.updated_at = utcnow()
        db.session.flush()
        records.add_version(
            item,
            user,
            "mailed",
            {"tracking_number": [None, mailing.tracking_number]},
            note=f"{mailing.carrier} → {mailing.laboratory}",
        )
        audit.record(
            "custody_item.mailed",
            object_type="custody_item",
            object_id=item.id,
            detail=f"{mailing.carrier} {mailing.tracking_number}",
        )
    return mailing


def confirm_receipt(mailing: LabMailing, received_on, user: User) -> LabMailing:
    """The laboratory confirms it has the sample, on `received_on`. Commits."""
    with write_transaction(mailing):
        if mailing.item.deleted_at is not None:
            raise CustodyError("deleted")
        if mailing.confirmed_on is not None:
            raise CustodyError("already_confirmed")
        if received_on > department_today():
            raise CustodyError("future_date")
        if received_on < mailing.mailed_on:
            raise CustodyError("received_before_mailed")
        mailing.confirmed_on = received_on
        records.add_version(
            mailing.item, user, "received", {"confirmed_on": [None, str(received_on)]}
        )
        audit.record("custody_item.received", object_type="custody_item", object_id=mailing.item_id)
    return mailing


def confirmation_days() -> int:
    return int(get_setting(CONFIRMATION_SETTING))


def is_overdue(mailing: LabMailing, today=None) -> bool:
    today = today or department_today()
    return mailing.confirmed_on is None and (today - mailing.mailed_on).days > confirmation_days()


def list_samples(overdue_only: bool, page: int) -> tuple[list[LabMailing], bool]:
    """Samples the laboratory has not confirmed, oldest mailed first; overdue only: those
    mailed longer ago than the department's setting."""
    query = select(LabMailing).where(LabMailing.confirmed_on.is_(None))
    if overdue_only:
        limit = department_today() - timedelta(days=confirmation_days())
        query = query.where(LabMailing.mailed_on < limit)
    offset = (page - 1) * LIST_LIMIT
    rows = list(
        db.session.scalars(
            query.order_by(LabMailing.confirmed_on, LabMailing.mailed_on, LabMailing.id)
            .offset(offset)
            .limit(LIST_LIMIT + 1)
        )
    )
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


# -- Asset seizures ---------------------------------------------------------------------------


class SeizureState(LabelledEnum):
    REVIEW = "review", _l("Under review")
    HELD = "held", _l("Held")
    RELEASED = "released", _l("Released")
    FORFEITED = "forfeited", _l("Forfeited")
    RETURNED = "returned", _l("Returned to owner")


NEXT_STATES = {
    SeizureState.REVIEW: (SeizureState.HELD, SeizureState.RELEASED, SeizureState.RETURNED),
    SeizureState.HELD: (SeizureState.RELEASED, SeizureState.FORFEITED, SeizureState.RETURNED),
}


def counters() -> list[tuple[int, str]]:
    """(id, name) of the active field staff who may count cash, by name."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.is_active_account.is_(True), User.role.in_([r.value for r in FIELD_ROLES]))
        .order_by(User.display_name, User.id)
    ).all()
    return [(row.id, row.display_name) for row in rows]


@dataclass(frozen=True)
class CashCount:
    cents: int
    second_counter_id: int | None
    first_signature: str | None  # the posted data URLs
    second_signature: str | None


def check_cash_count(count: CashCount, first: User) -> tuple[Signature, Signature] | None:
    """Cash needs two different counters, both signing; none when no cash was seized."""
    if count.cents <= 0:
        return None
    if count.second_counter_id == first.id:
        raise CustodyError("same_counter")
    if count.second_counter_id not in {user_id for user_id, _name in counters()}:
        raise CustodyError("unknown_counter")
    signatures = read_signature(count.first_signature), read_signature(count.second_signature)
    if signatures[0].sha256 == signatures[1].sha256:
        raise CustodyError("same_signature")
    return signatures


def record_seizure(
    content: dict, count: CashCount, *, client_uuid: uuid.UUID, author: User
) -> tuple[AssetSeizure, bool]:
    """Log a seizure, under review, with its cash counted by two people. Commits."""
    signatures = check_cash_count(count, author)
    fields = {**content, "cash_cents": max(count.cents, 0), "state": SeizureState.REVIEW.value}
    if signatures is not None:
        for signature in signatures:
            _store_signature(signature)
        fields |= {
            "first_counter_id": author.id,
            "first_signature_key": signatures[0].key,
            "first_signature_sha256": signatures[0].sha256,
            "second_counter_id": count.second_counter_id,
            "second_signature_key": signatures[1].key,
            "second_signature_sha256": signatures[1].sha256,
        }
    digest = records.submission_hash({key: str(value) for key, value in fields.items()})
    try:
        seizure, created = _create(
            AssetSeizure, client_uuid, digest, author, fields, lambda record, user: None
        )
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return seizure, created


def change_seizure_state(seizure: AssetSeizure, state: str, user: User) -> None:
    """Through release, forfeiture or return; each change a version and an audit row."""
    with write_transaction(seizure):
        if seizure.deleted_at is not None:
            raise CustodyError("deleted")
        if state not in NEXT_STATES.get(SeizureState(seizure.state), ()):
            raise CustodyError("wrong_state")
        old, seizure.state = seizure.state, state
        seizure.state_changed_at = utcnow()
        records.add_version(seizure, user, "state", {"state": [old, state]})
        audit.record(
            "custody_seizure.state",
            object_type="custody_seizure",
            object_id=seizure.id,
            detail=f"{old} → {state}",
        )


def list_seizures(state: str | None, page: int) -> tuple[list[AssetSeizure], bool]:
    query = records.live(select(AssetSeizure), AssetSeizure)
    if state in set(SeizureState):
        query = query.where(AssetSeizure.state == state)
        order = (AssetSeizure.state, AssetSeizure.seized_at.desc())
    else:
        order = (AssetSeizure.seized_at.desc(),)
    offset = (page - 1) * LIST_LIMIT
    rows = list(db.session.scalars(query.order_by(*order).offset(offset).limit(LIST_LIMIT + 1)))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


@dataclass(frozen=True)
class SeizureLine:
    state: str
    count: int
    cash_cents: int
    property_cents: int


def seizure_report(first_day, last_day) -> list[SeizureLine]:
    """Seizures made in the period (department days), by state: how many, cash, property."""
    start, end = day_start_utc(first_day), day_start_utc(last_day + timedelta(days=1))
    seizures = db.session.scalars(
        records.live(select(AssetSeizure), AssetSeizure)
        .where(AssetSeizure.seized_at >= start, AssetSeizure.seized_at < end)
        .order_by(AssetSeizure.seized_at)
        .limit(REPORT_LIMIT)
    )
    totals: dict[str, list[int]] = {state.value: [0, 0, 0] for state in SeizureState}
    for seizure in seizures:
        line = totals.setdefault(seizure.state, [0, 0, 0])
        line[0] += 1
        line[1] += seizure.cash_cents
        line[2] += seizure.property_cents
    return [SeizureLine(state, *values) for state, values in totals.items()]


def report_period(first: str | None, last: str | None):
    """The report's days from ?from=&to= (ISO dates); the current month for what is missing
    or unreadable, and never a period running backwards."""
    today = department_today()
    start, end = _day(first) or today.replace(day=1), _day(last) or today
    return (start, end) if start <= end else (end, start)


def _day(text: str | None):
    try:
        day = date.fromisoformat((text or "")[:10])
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9998 else None


def seizure_signature(seizure: AssetSeizure, which: str) -> bytes:
    key = getattr(seizure, f"{which}_signature_key")
    if not key:
        raise StorageError(which)
    return get_storage().read(key)


# -- Unit supplies ----------------------------------------------------------------------------


class Team(LabelledEnum):
    GANG = "gang", _l("Gang unit")
    VICE = "vice", _l("Vice unit")
    NARCOTICS = "narcotics", _l("Narcotics unit")


class Movement(LabelledEnum):
    ISSUE = "issue", _l("Issued")
    RETURN = "return", _l("Returned")
    RESTOCK = "restock", _l("Restocked")


def add_supply(content: dict, user: User) -> SupplyItem:
    with write_transaction():
        taken = db.session.scalar(select(SupplyItem.id).where(SupplyItem.name == content["name"]))
        if taken is not None:
            raise CustodyError("supply_exists")
        supply = SupplyItem(created_by_id=user.id, **content)
        db.session.add(supply)
        db.session.flush()
        audit.record(
            "custody.supply.add", object_type="supply", object_id=supply.id, detail=supply.name
        )
    return supply


def move_supply(
    supply: SupplyItem,
    kind: str,
    quantity: int,
    user: User,
    *,
    person: str | None = None,
    team: str | None = None,
    signature: str | None = None,
) -> SupplyMovement:
    """Issue or return supplies, signed for by the person; or restock (supervisors). Commits."""
    signed = None
    if kind != Movement.RESTOCK:
        if not (person or "").strip() or team not in set(Team):
            raise CustodyError("person_needed")
        signed = read_signature(signature)
        _store_signature(signed)
    elif user.role not in (Role.SENIOR_CSO, Role.ADMIN):
        raise CustodyError("restock_supervisors")
    with write_transaction(supply):
        if kind == Movement.ISSUE and quantity > supply.on_hand:
            raise CustodyError("not_enough", count=supply.on_hand)
        supply.on_hand += -quantity if kind == Movement.ISSUE else quantity
        movement = SupplyMovement(
            supply_id=supply.id,
            kind=kind,
            quantity=quantity,
            person_name=person,
            team=team,
            signature_key=signed.key if signed else None,
            signature_sha256=signed.sha256 if signed else None,
            on_hand_after=supply.on_hand,
            recorded_by_id=user.id,
        )
        db.session.add(movement)
        audit.record(
            f"custody.supply.{kind}",
            object_type="supply",
            object_id=supply.id,
            detail=f"{quantity} {person or ''}".strip(),
        )
    return movement


def list_supplies(low_only: bool, page: int) -> tuple[list[SupplyItem], bool]:
    """Supplies by name; low only: at or below their reorder level (a short inventory, read
    in name order)."""
    query = select(SupplyItem)
    if low_only:
        query = query.where(SupplyItem.on_hand <= SupplyItem.reorder_level)
    offset = (page - 1) * LIST_LIMIT
    rows = list(
        db.session.scalars(query.order_by(SupplyItem.name).offset(offset).limit(LIST_LIMIT + 1))
    )
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def movements(supply: SupplyItem, limit: int = 30) -> list[SupplyMovement]:
    return list(
        db.session.scalars(
            select(SupplyMovement)
            .where(SupplyMovement.supply_id == supply.id)
            .order_by(SupplyMovement.recorded_at.desc(), SupplyMovement.id.desc())
            .limit(limit)
        )
    )


def low_stock_count() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(SupplyItem)
        .where(SupplyItem.on_hand <= SupplyItem.reorder_level)
    )


# -- Registration ------------------------------------------------------------------------------


def _search_items(text: str, user, limit: int) -> list[SearchHit]:
    return [
        SearchHit(
            "custody_item",
            item.reference,
            item.description[:80],
            item.case_number,
            url_for("custody.item", record_id=item.id),
            ItemKind(item.kind).label,
        )
        for item in records.search_records(CustodyItem, text, limit)
    ]


def _search_transports(text: str, user, limit: int) -> list[SearchHit]:
    return [
        SearchHit(
            "custody_transport",
            trip.reference,
            trip.destination_agency,
            trip.vehicle,
            url_for("custody.transport", record_id=trip.id),
            str(_l("Closed")) if trip.closed_at else str(_l("Open")),
        )
        for trip in records.search_records(Transport, text, limit)
    ]


def _may_delete_item(user: User, item: CustodyItem) -> bool:
    """A mistaken entry only: by its author or an admin, before any hand-over or trip."""
    mine = item.created_by_id == user.id or user.role == Role.ADMIN
    return mine and not item.transfers and item.transport_id is None


def _may_delete_trip(user: User, trip: Transport) -> bool:
    """A trip nothing was picked up on yet, by whoever started it or an admin."""
    mine = trip.created_by_id == user.id or user.role == Role.ADMIN
    return mine and trip.closed_at is None and not any(row.picked_up_at for row in trip.items)


def _free_items(trip: Transport) -> None:
    for row in trip.items:
        row.item.transport_id = None


CUSTODY_ITEMS = register(
    RecordType(
        name="custody_item",
        model=CustodyItem,
        label=_l("Custody item"),
        view_endpoint="custody.item",
        list_endpoint="custody.index",
        new_endpoint="custody.new_item",
        description=_l("Evidence, a sample or property you carry, with its chain of custody."),
        search=_search_items,
        summary=lambda item: " ".join(item.description.split()[:12]),
        may_delete=_may_delete_item,
        fields={
            "description": _l("Description"),
            "case_number": _l("Case or report number"),
            "kind": _l("Kind"),
            "seal_number": _l("Seal number"),
            "condition": _l("Package condition"),
            "holder_name": _l("Held by"),
            "seal": _l("Seal"),
        },
    )
)


def _search_seizures(text: str, user, limit: int) -> list[SearchHit]:
    return [
        SearchHit(
            "custody_seizure",
            seizure.reference,
            str(_l("Case %(number)s", number=seizure.case_number)),
            seizure.place,
            url_for("custody.seizure", record_id=seizure.id),
            SeizureState(seizure.state).label,
        )
        for seizure in records.search_records(AssetSeizure, text, limit)
    ]


SEIZURES = register(
    RecordType(
        name="custody_seizure",
        model=AssetSeizure,
        label=_l("Asset seizure"),
        view_endpoint="custody.seizure",
        list_endpoint="custody.seizures",
        new_endpoint="custody.new_seizure",
        description=_l("Seized property and cash, counted by two people, through its release."),
        search=_search_seizures,
        summary=lambda seizure: seizure.case_number,
        may_delete=lambda user, seizure: user.role == Role.ADMIN,
        fields={"state": _l("State"), "case_number": _l("Case or report number")},
    )
)
TRANSPORTS = register(
    RecordType(
        name="custody_transport",
        model=Transport,
        label=_l("Transport"),
        view_endpoint="custody.transport",
        list_endpoint="custody.transports",
        new_endpoint="custody.new_transport",
        description=_l("A trip carrying items to an outside agency or laboratory."),
        search=_search_transports,
        summary=lambda trip: trip.destination_agency,
        may_delete=_may_delete_trip,
        after_delete=_free_items,
        fields={
            "vehicle": _l("Vehicle"),
            "destination_agency": _l("Destination agency"),
            "destination_address": _l("Destination address"),
            "closed_at": _l("Closed"),
        },
    )
)


def item_kind_label(kind: str) -> str:
    try:
        return ItemKind(kind).label
    except ValueError:
        return kind


def signature_src(row: CustodyTransfer, which: str, pdf: bool) -> str:
    """A signature image's address: the file in storage for the PDF renderer, else its page."""
    if pdf:
        return storage_url(getattr(row, f"{which}_signature_key"))
    return url_for("custody.signature", transfer_id=row.id, which=which)


def _label(enum, value: str) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value


def dollars(cents: int | None) -> str:
    return "" if cents is None else format_currency(Decimal(cents) / 100, "USD")


def seizure_state_label(state: str) -> str:
    try:
        return SeizureState(state).label
    except ValueError:
        return state


audit.register_object_label("supply", _l("Unit supply"))
register_today_card(
    TodayCard(
        "custody/_today_supplies.html",
        lambda: {"low_supplies": low_stock_count()},
        roles=frozenset({Role.SENIOR_CSO, Role.ADMIN}),
    )
)
register_template_globals(
    item_kind_label=item_kind_label,
    custody_signature_src=signature_src,
    seizure_state_label=seizure_state_label,
    custody_dollars=dollars,
    supply_movement_label=lambda kind: _label(Movement, kind),
    supply_team_label=lambda team: _label(Team, team),
)
register_defaults({WITNESS_SETTING: True, CONFIRMATION_SETTING: 10})
audit.register_labels(
    {
        "custody_item.transfer": _l("Custody item handed over"),
        "custody_transport.close": _l("Transport closed"),
        "custody.pdf": _l("Custody form PDF made"),
        "custody_item.mailed": _l("Lab sample mailed"),
        "custody_item.received": _l("Laboratory confirmed receipt"),
        "custody_seizure.state": _l("Asset seizure state changed"),
        "custody.supply.add": _l("Unit supply added"),
        "custody.supply.issue": _l("Unit supplies issued"),
        "custody.supply.return": _l("Unit supplies returned"),
        "custody.supply.restock": _l("Unit supplies restocked"),
    }
)
register_demo("custody", "cso_field.custody.demo:load_demo_custody")
register_retention()
