"""Forms for special checks: the resident's request and the staff entry (one set of fields
and rules, worded for each audience), the resident's manage page, a CSO's visit, and the
admin's settings.

Resident-facing text uses the "resident" message context, and resident forms are validated
inside `resident_language()`, so every message comes back in the resident's language.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, npgettext, pgettext
from wtforms import BooleanField, DateField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
)

from cso_field.forms import BaseForm
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import LocationFields
from cso_field.resident_forms import (
    ResidentClientUUIDField,
    ResidentMeta,
    ResidentSelectField,
    email_address,
    phone_number,
)
from cso_field.settings import get_setting
from cso_field.special_checks.models import CheckKind, RequestSource, VisitOutcome
from cso_field.special_checks.services import START_PROBLEMS, DateProblem, date_problem
from cso_field.timeutil import department_today

NAME_MAX = 120
PHONE_MAX = 40
EMAIL_MAX = 254
ADDRESS_MAX = 300
ALARM_MAX = 200
NOTE_MAX = 500
INSTRUCTIONS_MAX = 2000
VISIT_NOTES_MAX = 2000

NOT_A_DATE = lazy_pgettext("resident", "Enter a date, for example 2026-12-24.")


def _date_required(message):
    # InputRequired, not DataRequired: an unreadable date keeps its "enter a date" message.
    return InputRequired(message=message)


class ResidentDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(NOT_A_DATE) from None


def date_message(problem: DateProblem, *, min_lead_days: int, max_length_days: int) -> str:
    """The resident-facing sentence for a date rule that was broken."""
    if problem is DateProblem.IN_PAST:
        return pgettext("resident", "The start date has already passed. Choose a later date.")
    if problem is DateProblem.TOO_SOON:
        return npgettext(
            "resident",
            "Choose a start date at least %(num)d day from today, so we can plan the checks.",
            "Choose a start date at least %(num)d days from today, so we can plan the checks.",
            min_lead_days,
        )
    if problem is DateProblem.END_BEFORE_START:
        return pgettext("resident", "The end date cannot be before the start date.")
    if problem is DateProblem.END_IN_PAST:
        return pgettext("resident", "The end date has already passed. Choose a later date.")
    return npgettext(
        "resident",
        "A special check can last at most %(num)d day. Choose an earlier end date.",
        "A special check can last at most %(num)d days. Choose an earlier end date.",
        max_length_days,
    )


@dataclass(frozen=True)
class CheckWording:
    """Every text of the check form, in one audience's words (see WORDS)."""

    at_most: Callable[[int], object]  # the "too long" message for a limit
    name: object
    name_required: object
    address: object
    address_hint: object
    address_required: object
    phone: object
    email: object
    email_hint: object
    language: object
    start: object
    start_required: object
    end: object
    end_required: object
    contact_name: object
    contact_phone: object
    contact_email: object
    notify_contact: object
    contact_email_needed: object
    alarm_company: object
    vehicles: object
    vehicles_hint: object
    lights: object
    lights_hint: object
    pets: object
    visitors: object
    visitors_hint: object
    instructions: object
    no_contact: object
    submit: object


# Each text of the check form: (to residents, to staff). Residents are spoken to ("Your
# name"), staff read about the requester ("Requester's name").
WORDS = {
    "at_most": (
        lambda limit: lazy_pgettext("resident", "Use at most %(max)d characters.", max=limit),
        lambda limit: _l("At most %(max)d characters.", max=limit),
    ),
    "name": (
        lazy_pgettext("resident", "Your name"),
        _l("Requester's name"),
    ),
    "name_required": (
        lazy_pgettext("resident", "Enter your name."),
        _l("Enter the requester's name."),
    ),
    "address": (
        lazy_pgettext("resident", "Address of the property to check"),
        _l("Address of the property to check"),
    ),
    "address_hint": (
        lazy_pgettext("resident", "Street number and name, and unit if any."),
        _l("Street number and name, and unit if any."),
    ),
    "address_required": (
        lazy_pgettext("resident", "Enter the address of the property."),
        _l("Enter the address of the property."),
    ),
    "phone": (
        lazy_pgettext("resident", "Phone number"),
        _l("Requester's phone number"),
    ),
    "email": (
        lazy_pgettext("resident", "Email address"),
        _l("Requester's email address"),
    ),
    "email_hint": (
        lazy_pgettext(
            "resident", "We email your confirmation, a private link and a report of the checks."
        ),
        _l("The confirmation, the private link and the visit report go there."),
    ),
    "language": (
        lazy_pgettext("resident", "Language for our messages"),
        _l("Requester's language for messages"),
    ),
    "start": (
        lazy_pgettext("resident", "First day of the checks"),
        _l("First day of the checks"),
    ),
    "start_required": (
        lazy_pgettext("resident", "Enter the first day of the checks."),
        _l("Enter the first day of the checks."),
    ),
    "end": (
        lazy_pgettext("resident", "Last day of the checks"),
        _l("Last day of the checks"),
    ),
    "end_required": (
        lazy_pgettext("resident", "Enter the last day of the checks."),
        _l("Enter the last day of the checks."),
    ),
    "contact_name": (
        lazy_pgettext("resident", "Emergency contact or key holder: name"),
        _l("Emergency contact or key holder: name"),
    ),
    "contact_phone": (
        lazy_pgettext("resident", "Emergency contact: phone number"),
        _l("Emergency contact: phone number"),
    ),
    "contact_email": (
        lazy_pgettext("resident", "Emergency contact: email address"),
        _l("Emergency contact: email address"),
    ),
    "notify_contact": (
        lazy_pgettext("resident", "Email this contact at once if something is wrong"),
        _l("Email this contact at once if a visit finds a problem"),
    ),
    "contact_email_needed": (
        lazy_pgettext("resident", "Enter the contact's email address, or untick the box."),
        _l("Enter the contact's email address, or untick the box."),
    ),
    "alarm_company": (
        lazy_pgettext("resident", "Alarm company"),
        _l("Alarm company"),
    ),
    "vehicles": (
        lazy_pgettext("resident", "Vehicles left at the property"),
        _l("Vehicles left at the property"),
    ),
    "vehicles_hint": (
        lazy_pgettext("resident", "Make, color and license plate."),
        _l("Make, color and license plate."),
    ),
    "lights": (
        lazy_pgettext("resident", "Lights on timers"),
        _l("Lights on timers"),
    ),
    "lights_hint": (
        lazy_pgettext("resident", "Which lights, and when they switch on."),
        _l("Which lights, and when they switch on."),
    ),
    "pets": (
        lazy_pgettext("resident", "Pets"),
        _l("Pets"),
    ),
    "visitors": (
        lazy_pgettext("resident", "People who will visit"),
        _l("People who will visit"),
    ),
    "visitors_hint": (
        lazy_pgettext("resident", "For example a house sitter or a gardener."),
        _l("For example a house sitter or a gardener."),
    ),
    "instructions": (
        lazy_pgettext("resident", "Anything else the officer should know"),
        _l("Anything else the officers should know"),
    ),
    "no_contact": (
        lazy_pgettext("resident", "Give a phone number or an email address, so we can reach you."),
        _l("Give the requester's phone number or email address."),
    ),
    "submit": (
        lazy_pgettext("resident", "Send my request"),
        _l("Save special check"),
    ),
}
RESIDENT_WORDING = CheckWording(**{name: words[0] for name, words in WORDS.items()})
STAFF_WORDING = CheckWording(**{name: words[1] for name, words in WORDS.items()})


def check_fields(words: CheckWording) -> dict:
    """The fields of a special check, labelled in `words`."""

    def at_most(limit: int) -> Length:
        return Length(max=limit, message=words.at_most(limit))

    return {
        "requester_name": StringField(
            words.name,
            validators=[DataRequired(message=words.name_required), at_most(NAME_MAX)],
        ),
        "address": StringField(
            words.address,
            description=words.address_hint,
            validators=[DataRequired(message=words.address_required), at_most(ADDRESS_MAX)],
        ),
        "phone": StringField(words.phone, validators=[at_most(PHONE_MAX), phone_number]),
        "email": StringField(
            words.email,
            description=words.email_hint,
            validators=[at_most(EMAIL_MAX), email_address],
        ),
        "language": ResidentSelectField(
            words.language,
            choices=[
                SelectChoice(code, language.name, render_kw={"lang": code})
                for code, language in RESIDENT_LANGUAGES.items()
            ],
            default="en",
        ),
        "start_date": ResidentDateField(
            words.start, validators=[_date_required(words.start_required)]
        ),
        "end_date": ResidentDateField(words.end, validators=[_date_required(words.end_required)]),
        "emergency_contact_name": StringField(words.contact_name, validators=[at_most(NAME_MAX)]),
        "emergency_contact_phone": StringField(
            words.contact_phone, validators=[at_most(PHONE_MAX), phone_number]
        ),
        "emergency_contact_email": StringField(
            words.contact_email, validators=[at_most(EMAIL_MAX), email_address]
        ),
        "notify_emergency_contact": BooleanField(words.notify_contact),
        "alarm_company": StringField(words.alarm_company, validators=[at_most(ALARM_MAX)]),
        "vehicles": StringField(
            words.vehicles, description=words.vehicles_hint, validators=[at_most(NOTE_MAX)]
        ),
        "lights_on_timers": StringField(
            words.lights, description=words.lights_hint, validators=[at_most(NOTE_MAX)]
        ),
        "pets": StringField(words.pets, validators=[at_most(NOTE_MAX)]),
        "expected_visitors": StringField(
            words.visitors, description=words.visitors_hint, validators=[at_most(NOTE_MAX)]
        ),
        "instructions": TextAreaField(words.instructions, validators=[at_most(INSTRUCTIONS_MAX)]),
        "submit": SubmitField(words.submit),
    }


CHECK_COLUMNS = tuple(name for name in check_fields(STAFF_WORDING) if name != "submit")


class CheckFormBase(BaseForm):
    """The rules of a special check, for either audience; see `worded()` for its fields."""

    wording: CheckWording

    def min_lead_days(self) -> int:
        return int(get_setting("check_min_lead_days"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.phone.errors:
            self.phone.errors.append(self.wording.no_contact)
            valid = False
        if self.notify_emergency_contact.data and not self.emergency_contact_email.data:
            self.emergency_contact_email.errors.append(self.wording.contact_email_needed)
            valid = False
        return self._validate_dates() and valid

    def _validate_dates(self) -> bool:
        start, end = self.start_date.data, self.end_date.data
        if start is None or end is None:
            return True
        rules = {
            "min_lead_days": self.min_lead_days(),
            "max_length_days": int(get_setting("check_max_length_days")),
        }
        problem = date_problem(start, end, today=department_today(), **rules)
        if problem is None:
            return True
        target = self.start_date if problem in START_PROBLEMS else self.end_date
        target.errors.append(date_message(problem, **rules))
        return False

    def content(self) -> dict:
        """The SpecialCheck columns this form fills, empty text as None."""
        content = {name: self[name].data for name in CHECK_COLUMNS}
        for name, value in content.items():
            if isinstance(value, str) and not value:
                content[name] = None
        return content


def worded(words: CheckWording) -> type[CheckFormBase]:
    """CheckFormBase with the check's fields in `words`, to subclass."""
    return type("WordedCheckForm", (CheckFormBase,), {"wording": words, **check_fields(words)})


class CheckRequestForm(worded(RESIDENT_WORDING)):
    """A resident's request for a vacation house check, in the resident's language."""

    Meta = ResidentMeta
    client_uuid = ResidentClientUUIDField(lazy_pgettext("resident", "This form"))
    # Honeypot: hidden from people, filled in by form-filling robots.
    website = StringField(lazy_pgettext("resident", "Leave this empty"))


class StaffCheckForm(worded(STAFF_WORDING)):
    """A check taken by phone or at the counter; the start may be today."""

    client_uuid = ResidentClientUUIDField(_l("This form"))
    kind = ResidentSelectField(
        _l("Kind of check"),
        choices=[
            SelectChoice(CheckKind.VACATION_HOUSE.value, _l("Vacation house")),
            SelectChoice(CheckKind.BUSINESS.value, _l("Business")),
            SelectChoice(CheckKind.PROBLEM_LOCATION.value, _l("Problem location")),
        ],
        default=CheckKind.VACATION_HOUSE.value,
    )
    source = ResidentSelectField(
        _l("Taken"),
        choices=[
            SelectChoice(RequestSource.PHONE.value, _l("By phone")),
            SelectChoice(RequestSource.COUNTER.value, _l("At the counter")),
        ],
        default=RequestSource.PHONE.value,
    )
    description = TextAreaField(
        _l("What to look for"),
        description=_l("For a business or problem location: the trouble and when it happens."),
        validators=[Length(max=INSTRUCTIONS_MAX, message=STAFF_WORDING.at_most(INSTRUCTIONS_MAX))],
    )

    def min_lead_days(self) -> int:
        return 0

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        needs_description = self.kind.data != CheckKind.VACATION_HOUSE.value
        if needs_description and not self.description.data:
            self.description.errors.append(_l("Describe what the officers should look for."))
            valid = False
        return valid

    def content(self) -> dict:
        return {
            **super().content(),
            "kind": self.kind.data,
            "description": self.description.data or None,
        }


class EndDateForm(BaseForm):
    """The manage page: move the last day of the checks."""

    Meta = ResidentMeta

    end_date = ResidentDateField(
        lazy_pgettext("resident", "New last day of the checks"),
        validators=[_date_required(lazy_pgettext("resident", "Enter the new last day."))],
    )
    submit = SubmitField(lazy_pgettext("resident", "Save the new last day"))


class CancelForm(BaseForm):
    confirm = BooleanField(
        lazy_pgettext("resident", "Yes, cancel my request"),
        validators=[DataRequired(message=lazy_pgettext("resident", "Tick the box to confirm."))],
    )
    submit = SubmitField(lazy_pgettext("resident", "Cancel the checks"))


class VisitForm(LocationFields):
    """A CSO's visit from a check's page: an outcome button, optional notes and photos."""

    # The position is filled in by the page; a visit without one is still worth recording.
    location_required = False

    client_uuid = ClientUUIDField()
    outcome = StringField(
        _l("What did you find?"),
        validators=[
            AnyOf(
                [outcome.value for outcome in VisitOutcome],
                message=_l("Tap one of the buttons to say what you found."),
            )
        ],
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        validators=[Length(max=VISIT_NOTES_MAX, message=STAFF_WORDING.at_most(VISIT_NOTES_MAX))],
    )


class VisitNotesForm(BaseForm):
    """The author's correction of a visit returned for changes: its notes."""

    notes = TextAreaField(
        _l("Notes"),
        validators=[Length(max=VISIT_NOTES_MAX, message=STAFF_WORDING.at_most(VISIT_NOTES_MAX))],
    )
    submit = SubmitField(_l("Save changes"))


_WHOLE_NUMBER_LIMIT = 10**9


class _WholeNumberField(StringField):
    """An integer setting; a clear message instead of WTForms' generic one."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                value = int(valuelist[0].strip())
            except ValueError:
                raise ValueError(_l("Enter a whole number.")) from None
            # Far outside every setting's range either way; NumberRange cannot compare an
            # integer too large for a float, so it gets its "from … to …" message instead.
            self.data = max(-_WHOLE_NUMBER_LIMIT, min(value, _WHOLE_NUMBER_LIMIT))

    def _value(self):
        return "" if self.data is None else str(self.data)


def _between(low: int, high: int):
    return [
        InputRequired(message=_l("Enter a number.")),
        NumberRange(
            min=low,
            max=high,
            message=_l("Enter a number from %(min)d to %(max)d.", min=low, max=high),
        ),
    ]


class CheckSettingsForm(BaseForm):
    """Admin settings for special checks (see settings.DEFAULTS)."""

    check_min_lead_days = _WholeNumberField(
        _l("Days of notice a resident must give"),
        description=_l("0 lets residents ask for checks starting today."),
        validators=_between(0, 14),
    )
    check_max_length_days = _WholeNumberField(
        _l("Longest special check, in days"), validators=_between(1, 90)
    )
    check_stale_after_days = _WholeNumberField(
        _l("Days without a visit before a check is shown as overdue"),
        validators=_between(1, 30),
    )
    check_summary_shows_officer_names = BooleanField(
        _l("Show officers' names in the summary emailed to residents")
    )
    submit = SubmitField(_l("Save settings"))

    def values(self) -> dict:
        return {
            "check_min_lead_days": self.check_min_lead_days.data,
            "check_max_length_days": self.check_max_length_days.data,
            "check_stale_after_days": self.check_stale_after_days.data,
            "check_summary_shows_officer_names": bool(self.check_summary_shows_officer_names.data),
        }
