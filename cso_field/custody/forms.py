"""Custody forms: a collected item, a hand-over with both signatures, a trip, closing a trip."""

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cso_field.custody.services import ItemKind, Party, PartyKind
from cso_field.forms import BaseForm
from cso_field.records.forms import ClientUUIDField

NOT_A_CHOICE = _l("Choose one of the options shown.")


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("At most %(max)d characters.", max=maximum))


def _required(message) -> list:
    return [DataRequired(message=message)]


class Choice(SelectField):
    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(NOT_A_CHOICE)


class LocalDateTimeField(StringField):
    """A date and time in the department's zone (the browser's datetime-local), kept UTC;
    empty means now."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist and isinstance(valuelist[0], str) else "").strip()
        self.data = None
        if not self.raw:
            return
        for pattern in self.FORMATS:
            try:
                local = datetime.strptime(self.raw, pattern)
            except ValueError:
                continue
            if 1900 <= local.year <= 9998:
                self.data = to_utc(local)
                return
        raise ValueError(_l("Enter a date and time, for example 2026-07-04 14:30."))

    def _value(self):
        return getattr(self, "raw", "") or ""


def _kinds(enum) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.lazy_label) for member in enum]


class ItemForm(BaseForm):
    client_uuid = ClientUUIDField()
    kind = Choice(_l("Kind"), choices=_kinds(ItemKind))
    description = TextAreaField(
        _l("Description"), validators=[*_required(_l("Describe the item.")), _length(2000)]
    )
    case_number = StringField(
        _l("Case or report number"),
        validators=[*_required(_l("Give the case or report number.")), _length(40)],
    )
    seal_number = StringField(_l("Seal number"), validators=[Optional(), _length(40)])
    condition = StringField(
        _l("Package condition"),
        description=_l("For example: sealed bag, intact."),
        validators=[*_required(_l("Describe the package's condition.")), _length(300)],
    )
    collected_at = LocalDateTimeField(_l("Collected at"), description=_l("Empty: now."))
    collected_place = StringField(
        _l("Where collected"),
        validators=[*_required(_l("Say where the item was collected.")), _length(300)],
    )
    source_name = StringField(_l("Collected from (optional)"), validators=[_length(200)])
    submit = SubmitField(_l("Save item"))

    def content(self, now: datetime) -> dict:
        return {
            "kind": self.kind.data,
            "description": self.description.data,
            "case_number": self.case_number.data.upper(),
            "seal_number": self.seal_number.data or None,
            "condition": self.condition.data,
            "collected_at": self.collected_at.data or now,
            "collected_place": self.collected_place.data,
            "source_name": self.source_name.data or None,
        }


def _party_kind(label) -> Choice:
    return Choice(label, choices=_kinds(PartyKind))


def _party_name(label) -> StringField:
    return StringField(label, validators=[*_required(_l("Give the name.")), _length(200)])


def _party_address(label) -> StringField:
    return StringField(label, validators=[_length(300)])


class HandoverForm(BaseForm):
    """One hand-over, of one or several items; the giver and the receiver both sign."""

    items = TextAreaField(
        _l("Item numbers"),
        description=_l("Scan or type each item's number, e.g. CI-2026-000012."),
        validators=[*_required(_l("Type or scan at least one item number.")), _length(1000)],
    )
    giver_kind = _party_kind(_l("From: a"))
    giver_name = _party_name(_l("From: name"))
    giver_address = _party_address(_l("From: address (outside agency)"))
    receiver_kind = _party_kind(_l("To: a"))
    receiver_name = _party_name(_l("To: name"))
    receiver_address = _party_address(_l("To: address (outside agency)"))
    transferred_at = LocalDateTimeField(_l("Time"), description=_l("Empty: now."))
    place = StringField(
        _l("Place"), validators=[*_required(_l("Say where the hand-over is.")), _length(300)]
    )
    purpose = StringField(
        _l("Purpose"),
        validators=[*_required(_l("Say why the item changes hands.")), _length(300)],
    )
    seal_intact = BooleanField(_l("Seal intact and its number checked"))
    seal_seen = StringField(_l("Seal number seen"), validators=[_length(40)])
    new_seal = StringField(_l("New seal applied (optional)"), validators=[_length(40)])
    condition = StringField(
        _l("Condition now"),
        validators=[*_required(_l("Describe the package's condition now.")), _length(300)],
    )
    notes = TextAreaField(_l("Notes"), validators=[_length(2000)])
    giver_signed_name = StringField(
        _l("Giver signs as"), validators=[*_required(_l("Give the signer's name.")), _length(200)]
    )
    receiver_signed_name = StringField(
        _l("Receiver signs as"),
        validators=[*_required(_l("Give the signer's name.")), _length(200)],
    )
    giver_signature = HiddenField(_l("Giver's signature"))
    receiver_signature = HiddenField(_l("Receiver's signature"))
    transport = HiddenField()
    step = HiddenField()
    submit = SubmitField(_l("Sign and hand over"))

    def party(self, prefix: str) -> Party:
        address = getattr(self, f"{prefix}_address").data or None
        return Party(
            getattr(self, f"{prefix}_kind").data, getattr(self, f"{prefix}_name").data, address
        )

    def handover(self, now: datetime):
        from cso_field.custody.services import Handover

        return Handover(
            giver=self.party("giver"),
            receiver=self.party("receiver"),
            at=self.transferred_at.data or now,
            place=self.place.data,
            purpose=self.purpose.data,
            seal_intact=bool(self.seal_intact.data),
            seal_seen=self.seal_seen.data,
            new_seal=self.new_seal.data,
            condition=self.condition.data,
            notes=self.notes.data or None,
            giver_signed_name=self.giver_signed_name.data,
            receiver_signed_name=self.receiver_signed_name.data,
            giver_signature=_text(self.giver_signature.data),
            receiver_signature=_text(self.receiver_signature.data),
        )


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


class TransportForm(BaseForm):
    client_uuid = ClientUUIDField()
    items = TextAreaField(
        _l("Item numbers"),
        description=_l("Scan or type each item's number, e.g. CI-2026-000012."),
        validators=[*_required(_l("Type or scan at least one item number.")), _length(1000)],
    )
    vehicle = StringField(
        _l("Vehicle"), validators=[*_required(_l("Give the vehicle's number.")), _length(60)]
    )
    destination_agency = StringField(
        _l("Destination agency"),
        description=_l("For example: DOJ laboratory, Modesto."),
        validators=[*_required(_l("Give the destination agency.")), _length(200)],
    )
    destination_address = StringField(
        _l("Destination address"),
        validators=[*_required(_l("Give the destination's address.")), _length(300)],
    )
    submit = SubmitField(_l("Start the trip"))

    def content(self) -> dict:
        return {
            "vehicle": self.vehicle.data,
            "destination_agency": self.destination_agency.data,
            "destination_address": self.destination_address.data,
        }


class CloseTransportForm(BaseForm):
    lab_receipt_number = StringField(_l("Laboratory receipt number"), validators=[_length(60)])
    witness_name = StringField(_l("Second witness"), validators=[_length(200)])
    submit = SubmitField(_l("Close the trip"))


class DayField(StringField):
    """A date (the browser's date input), with a translated refusal; empty means today."""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist and isinstance(valuelist[0], str) else "").strip()
        self.data = None
        if not self.raw:
            return
        try:
            day = datetime.strptime(self.raw, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(_l("Enter a date, for example 2026-07-04.")) from None
        if not 1900 <= day.year <= 9998:
            raise ValueError(_l("Enter a date, for example 2026-07-04."))
        self.data = day

    def _value(self):
        return getattr(self, "raw", "") or ""


class MailForm(BaseForm):
    carrier = StringField(
        _l("Carrier"),
        description=_l("For example: USPS, FedEx, UPS."),
        validators=[*_required(_l("Give the carrier.")), _length(60)],
    )
    tracking_number = StringField(
        _l("Tracking number"),
        validators=[*_required(_l("Give the tracking number.")), _length(60)],
    )
    laboratory = StringField(
        _l("Laboratory"), validators=[*_required(_l("Give the laboratory.")), _length(200)]
    )
    mailed_on = DayField(_l("Date mailed"), description=_l("Empty: today."))
    submit = SubmitField(_l("Record the mailing"))

    def content(self, today) -> dict:
        return {
            "carrier": self.carrier.data,
            "tracking_number": self.tracking_number.data,
            "laboratory": self.laboratory.data,
            "mailed_on": self.mailed_on.data or today,
        }


class ReceiptForm(BaseForm):
    received_on = DayField(_l("Date the laboratory received it"), description=_l("Empty: today."))
    submit = SubmitField(_l("Record the laboratory's receipt"))


MONEY = re.compile(r"^\$?\s*(\d{1,9})(?:\.(\d{1,2}))?$")


def parse_cents(text: str) -> int:
    """ "1,250.50" or "$80" as cents; ValueError for anything else."""
    match = MONEY.match(text.replace(",", "").strip())
    if not match:
        raise ValueError(text)
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class CashField(StringField):
    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist and isinstance(valuelist[0], str) else "").strip()
        self.data = 0
        if self.raw:
            try:
                self.data = parse_cents(self.raw)
            except ValueError:
                raise ValueError(_l("Enter an amount in dollars, for example 1250.00.")) from None

    def _value(self):
        return getattr(self, "raw", "") or ""


class PropertyField(TextAreaField):
    """Seized property, one a line: "description, value" (the value in dollars, optional)."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist and isinstance(valuelist[0], str) else ""
        self.data = []
        for line in self.raw.splitlines()[:50]:
            if not line.strip():
                continue
            description, _comma, value = line.rpartition(",")
            if not description.strip() or not value.strip():
                description, value = line, ""
            try:
                cents = parse_cents(value) if value.strip() else 0
            except ValueError:
                description, cents = line, 0
            self.data.append({"description": description.strip()[:200], "value_cents": cents})

    def _value(self):
        return getattr(self, "raw", "") or ""


class SeizureForm(BaseForm):
    client_uuid = ClientUUIDField()
    case_number = StringField(
        _l("Case or report number"),
        validators=[*_required(_l("Give the case or report number.")), _length(40)],
    )
    seized_at = LocalDateTimeField(_l("Seized at"), description=_l("Empty: now."))
    place = StringField(
        _l("Place"), validators=[*_required(_l("Say where it was seized.")), _length(300)]
    )
    owner_name = StringField(_l("Owner, if known"), validators=[_length(200)])
    property_items = PropertyField(
        _l("Property and values"),
        description=_l("One a line: description, value. For example: Honda Civic 2012, 4500"),
        validators=[_length(5000)],
    )
    cash = CashField(_l("Cash counted ($)"), description=_l("Empty: no cash."))
    second_counter = Choice(_l("Second counter"))
    first_signature = HiddenField(_l("Your signature (first counter)"))
    second_signature = HiddenField(_l("Second counter's signature"))
    submit = SubmitField(_l("Log the seizure"))

    def content(self, now: datetime) -> dict:
        return {
            "case_number": self.case_number.data.upper(),
            "seized_at": self.seized_at.data or now,
            "place": self.place.data,
            "owner_name": self.owner_name.data or None,
            "property_items": self.property_items.data,
        }

    def counter_id(self) -> int | None:
        value = self.second_counter.data
        return int(value) if value and value.isdigit() else None


class SeizureStateForm(BaseForm):
    state = Choice(_l("New state"))
    submit = SubmitField(_l("Change the state"))


class QuantityField(StringField):
    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist and isinstance(valuelist[0], str) else "").strip()
        self.data = None
        if self.raw:
            if not self.raw.isdigit() or not 0 <= int(self.raw[:7]) <= 100_000 or len(self.raw) > 6:
                raise ValueError(_l("Enter a whole number from 0 to 100,000."))
            self.data = int(self.raw)

    def _value(self):
        return getattr(self, "raw", "") or ""


class SupplyForm(BaseForm):
    name = StringField(_l("Supply"), validators=[*_required(_l("Name the supply.")), _length(120)])
    unit_name = StringField(
        _l("Counted in"),
        description=_l("For example: boxes, kits, rolls."),
        validators=[*_required(_l("Say what it is counted in.")), _length(40)],
    )
    location = StringField(
        _l("Kept at"), validators=[*_required(_l("Say where it is kept.")), _length(200)]
    )
    on_hand = QuantityField(_l("On hand"), validators=[*_required(_l("Give the count."))])
    reorder_level = QuantityField(
        _l("Reorder at"), validators=[*_required(_l("Give the reorder level."))]
    )
    submit = SubmitField(_l("Add the supply"))

    def content(self) -> dict:
        return {
            "name": self.name.data,
            "unit_name": self.unit_name.data,
            "location": self.location.data,
            "on_hand": self.on_hand.data,
            "reorder_level": self.reorder_level.data,
        }


class MovementForm(BaseForm):
    kind = Choice(_l("What happens"))
    quantity = QuantityField(_l("How many"), validators=[*_required(_l("Give how many."))])
    person_name = StringField(_l("Signed for by"), validators=[_length(200)])
    team = Choice(_l("Unit"))
    signature = HiddenField(_l("Signature of who takes or returns them"))
    submit = SubmitField(_l("Record"))

    def validate_quantity(self, field):
        if field.data == 0:
            raise ValidationError(_l("Enter a whole number from 1 to 100,000."))
