"""Forms of community programs: the resident's booking and private-link page (resident
wording, validated inside `resident_language()`), and the staff's slots, outcomes,
assignments and messages."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from cso_field.assignments.forms import CheckedSelect, Clock, Day, at_most
from cso_field.community.models import AppointmentOutcome, DeliveryOutcome, PrintMethod, Purpose
from cso_field.forms import BaseForm, IntegerField
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.records.forms import ClientUUIDField
from cso_field.resident_forms import (
    ResidentClientUUIDField,
    ResidentMeta,
    ResidentSelectField,
    email_address,
    phone_number,
)

NAME_MAX = 120
PHONE_MAX = 40
EMAIL_MAX = 254
PLACE_MAX = 200
TEXT_MAX = 2000
SLOTS_MAX = 40
CAPACITY_MAX = 50
PRINTS_MAX = 20


def _resident_length(limit: int):
    return Length(max=limit, message=lazy_pgettext("resident", "This is too long."))


class SlotChoice(ResidentSelectField):
    """A slot's id among those offered; `slot_id` is the chosen one as a number."""

    @property
    def slot_id(self) -> int | None:
        return int(self.data) if self.data and str(self.data).isdigit() else None


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


def slot_choices(slots, label) -> list[tuple[str, str]]:
    return [(str(slot.id), label(slot)) for slot in slots]


class BookingForm(BaseForm):
    """A resident's fingerprinting booking, in the resident's language."""

    Meta = ResidentMeta
    client_uuid = ResidentClientUUIDField(lazy_pgettext("resident", "This form"))
    slot = SlotChoice(lazy_pgettext("resident", "Day and time"), choices=[])
    method = ResidentSelectField(
        lazy_pgettext("resident", "Kind of fingerprints"),
        choices=choices(
            [
                (PrintMethod.LIVE_SCAN.value, lazy_pgettext("resident", "Live Scan (electronic)")),
                (PrintMethod.INK_CARD.value, lazy_pgettext("resident", "Ink fingerprint card")),
            ]
        ),
    )
    purpose = ResidentSelectField(
        lazy_pgettext("resident", "What the fingerprints are for"),
        choices=choices(
            [
                (Purpose.EMPLOYMENT.value, lazy_pgettext("resident", "A job")),
                (Purpose.LICENSE.value, lazy_pgettext("resident", "A license or permit")),
                (Purpose.VOLUNTEER.value, lazy_pgettext("resident", "Volunteer work")),
                (Purpose.ADOPTION.value, lazy_pgettext("resident", "Adoption or foster care")),
                (Purpose.IMMIGRATION.value, lazy_pgettext("resident", "Immigration")),
                (Purpose.OTHER.value, lazy_pgettext("resident", "Something else")),
            ]
        ),
    )
    name = StringField(
        lazy_pgettext("resident", "Your name"),
        validators=[
            DataRequired(message=lazy_pgettext("resident", "Enter your name.")),
            _resident_length(NAME_MAX),
        ],
    )
    phone = StringField(
        lazy_pgettext("resident", "Phone"), validators=[_resident_length(PHONE_MAX), phone_number]
    )
    email = StringField(
        lazy_pgettext("resident", "Email (for the reminder)"),
        validators=[_resident_length(EMAIL_MAX), email_address],
    )
    language = ResidentSelectField(
        lazy_pgettext("resident", "Language for our messages"),
        choices=choices((code, language.name) for code, language in RESIDENT_LANGUAGES.items()),
    )
    # Honeypot: hidden from people, filled in by form-filling robots.
    website = StringField(lazy_pgettext("resident", "Leave this empty"))
    submit = SubmitField(lazy_pgettext("resident", "Book the appointment"))

    def validate_email(self, field):
        if not field.data and not self.phone.data:
            raise ValidationError(
                lazy_pgettext("resident", "Give a phone number, an email address, or both.")
            )

    def content(self) -> dict:
        return {
            "slot_id": self.slot.slot_id,
            "method": self.method.data,
            "purpose": self.purpose.data,
            "name": self.name.data.strip(),
            "phone": (self.phone.data or "").strip() or None,
            "email": (self.email.data or "").strip() or None,
            "language": self.language.data,
        }


class MoveForm(BaseForm):
    Meta = ResidentMeta
    slot = SlotChoice(lazy_pgettext("resident", "New day and time"), choices=[])
    submit = SubmitField(lazy_pgettext("resident", "Move my appointment"))


class CancelForm(BaseForm):
    Meta = ResidentMeta
    confirm = BooleanField(
        lazy_pgettext("resident", "Yes, cancel my appointment"),
        validators=[DataRequired(message=lazy_pgettext("resident", "Tick the box to confirm."))],
    )
    submit = SubmitField(lazy_pgettext("resident", "Cancel the appointment"))


# -- Staff -------------------------------------------------------------------------------------


class SlotsForm(BaseForm):
    """A Senior CSO opens slots: from a day and time, how many, how long, for how many."""

    day = Day(_l("Day"), validators=[InputRequired(message=_l("Enter the day."))])
    start = Clock(_l("First slot starts at"), validators=[InputRequired(_l("Enter a time."))])
    count = IntegerField(
        _l("How many slots"),
        default=4,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(1, SLOTS_MAX, message=_l("From 1 to %(max)d.", max=SLOTS_MAX)),
        ],
    )
    minutes = IntegerField(
        _l("Minutes each"),
        default=15,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(5, 240, message=_l("From 5 to 240 minutes.")),
        ],
    )
    capacity = IntegerField(
        _l("People per slot"),
        default=2,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(1, CAPACITY_MAX, message=_l("From 1 to %(max)d.", max=CAPACITY_MAX)),
        ],
    )
    place = StringField(
        _l("Place"),
        default="Police station lobby, 22 E Market St",
        validators=[DataRequired(message=_l("Enter the place.")), at_most(PLACE_MAX)],
    )
    submit = SubmitField(_l("Open the slots"))


class OutcomeForm(BaseForm):
    outcome = CheckedSelect(
        _l("What happened"),
        choices=[
            (AppointmentOutcome.TAKEN.value, _l("Prints taken")),
            (AppointmentOutcome.NO_SHOW.value, _l("No-show")),
        ],
    )
    prints_count = IntegerField(
        _l("Prints taken (cards or scans)"),
        validators=[
            Optional(),
            NumberRange(1, PRINTS_MAX, message=_l("From 1 to %(max)d.", max=PRINTS_MAX)),
        ],
    )
    print_type = CheckedSelect(
        _l("Kind"),
        choices=[
            (PrintMethod.LIVE_SCAN.value, _l("Live Scan")),
            (PrintMethod.INK_CARD.value, _l("Ink card")),
        ],
    )
    submit = SubmitField(_l("Record the outcome"))

    def validate(self, extra_validators=None) -> bool:
        # Not an inline validator: Optional() stops those when the count is left empty.
        valid = super().validate(extra_validators)
        if self.outcome.data == AppointmentOutcome.TAKEN and not self.prints_count.data:
            if not self.prints_count.errors:
                self.prints_count.errors = [_l("Enter how many prints were taken.")]
            return False
        return valid


class AssignForm(BaseForm):
    assignee = CheckedSelect(_l("Assign to"), choices=[])
    submit = SubmitField(_l("Assign"))

    def set_people(self, people) -> None:
        self.assignee.set_choices([("", _l("Choose…")), *people])

    def validate_assignee(self, field):
        if not field.data:
            raise ValidationError(_l("Choose who does it."))


class MessageForm(BaseForm):
    client_uuid = ClientUUIDField()
    recipient = StringField(
        _l("To whom"), validators=[DataRequired(_l("Enter who gets it.")), at_most(NAME_MAX)]
    )
    address = StringField(
        _l("Where"), validators=[DataRequired(_l("Enter the address.")), at_most(300)]
    )
    message = TextAreaField(
        _l("The message"), validators=[DataRequired(_l("Enter the message.")), at_most(TEXT_MAX)]
    )
    requested_by = StringField(
        _l("Asked for by"),
        validators=[DataRequired(_l("Enter who asked for it.")), at_most(NAME_MAX)],
    )
    due_day = Day(_l("Deliver by (day)"), validators=[InputRequired(_l("Enter the day."))])
    due_time = Clock(_l("Deliver by (time)"), validators=[InputRequired(_l("Enter a time."))])
    submit = SubmitField(_l("Save the message"))


class AttemptForm(BaseForm):
    outcome = CheckedSelect(
        _l("What happened"),
        choices=[
            (DeliveryOutcome.DELIVERED.value, _l("Delivered")),
            (DeliveryOutcome.NOBODY_HOME.value, _l("Nobody home")),
            (DeliveryOutcome.REFUSED.value, _l("Refused")),
            (DeliveryOutcome.WRONG_ADDRESS.value, _l("Wrong address")),
        ],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[at_most(TEXT_MAX)])
    submit = SubmitField(_l("Record the attempt"))
