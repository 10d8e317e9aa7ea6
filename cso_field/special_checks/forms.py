"""Forms for special checks: the resident's online request, staff entry, and the manage page.

Resident-facing text uses the "resident" message context, and these forms are validated
inside `resident_language()`, so every message comes back in the resident's language.
"""

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, npgettext, pgettext
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from cso_field.forms import BaseForm, no_control_characters
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.records.forms import ClientUUIDField
from cso_field.settings import get_setting
from cso_field.special_checks.models import CheckKind, RequestSource
from cso_field.special_checks.requests import (
    START_PROBLEMS,
    DateProblem,
    date_problem,
    department_today,
)

NAME_MAX = 120
PHONE_MAX = 40
EMAIL_MAX = 254
ADDRESS_MAX = 300
ALARM_MAX = 200
NOTE_MAX = 500
INSTRUCTIONS_MAX = 2000

_PHONE = re.compile(r"^[0-9+()./\- ]+(\s*(x|ext\.?|#)\s*[0-9]{1,6})?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
PHONE_DIGITS = (7, 20)

DAMAGED = lazy_pgettext("resident", "This form is damaged. Reload the page and try again.")
NOT_A_DATE = lazy_pgettext("resident", "Enter a date, for example 2026-12-24.")
NOT_A_CHOICE = lazy_pgettext("resident", "Choose one of the options.")


def _at_most(limit: int):
    return Length(
        max=limit, message=lazy_pgettext("resident", "Use at most %(max)d characters.", max=limit)
    )


def _required(message):
    return DataRequired(message=message)


def _date_required(message):
    # InputRequired, not DataRequired: an unreadable date keeps its "enter a date" message.
    return InputRequired(message=message)


def resident_no_control_characters(form, field) -> None:
    try:
        no_control_characters(form, field)
    except ValidationError:
        raise ValidationError(
            pgettext("resident", "Remove the invisible control characters from this field.")
        ) from None


def phone_number(form, field) -> None:
    if not field.data:
        return
    digits = sum(character.isdigit() for character in field.data)
    if not _PHONE.match(field.data) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ValidationError(
            pgettext("resident", "Enter a phone number with its area code, e.g. 209-555-0123.")
        )


def email_address(form, field) -> None:
    if field.data and not _EMAIL.match(field.data):
        raise ValidationError(pgettext("resident", "Enter an email address like name@example.com."))


class ResidentClientUUIDField(ClientUUIDField):
    """The idempotency key, with its message in the resident's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DAMAGED) from None

    def pre_validate(self, form):
        if self.data is None:
            raise ValidationError(DAMAGED)


class ResidentDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(NOT_A_DATE) from None


class ResidentSelectField(SelectField):
    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(NOT_A_CHOICE)


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


class CheckRequestForm(BaseForm):
    """A resident's request for a vacation house check, in the resident's language."""

    class Meta(BaseForm.Meta):
        def bind_field(self, form, unbound_field, options):
            bound = super().bind_field(form, unbound_field, options)
            bound.validators = [
                resident_no_control_characters if rule is no_control_characters else rule
                for rule in bound.validators
            ]
            return bound

    client_uuid = ResidentClientUUIDField(lazy_pgettext("resident", "This form"))
    requester_name = StringField(
        lazy_pgettext("resident", "Your name"),
        validators=[_required(lazy_pgettext("resident", "Enter your name.")), _at_most(NAME_MAX)],
    )
    address = StringField(
        lazy_pgettext("resident", "Address of the property to check"),
        description=lazy_pgettext("resident", "Street number and name, and unit if any."),
        validators=[
            _required(lazy_pgettext("resident", "Enter the address of the property.")),
            _at_most(ADDRESS_MAX),
        ],
    )
    phone = StringField(
        lazy_pgettext("resident", "Phone number"),
        validators=[_at_most(PHONE_MAX), phone_number],
    )
    email = StringField(
        lazy_pgettext("resident", "Email address"),
        description=lazy_pgettext(
            "resident", "We email your confirmation, a private link and a report of the checks."
        ),
        validators=[_at_most(EMAIL_MAX), email_address],
    )
    language = ResidentSelectField(
        lazy_pgettext("resident", "Language for our messages"),
        choices=[
            SelectChoice(code, language.name, render_kw={"lang": code})
            for code, language in RESIDENT_LANGUAGES.items()
        ],
        default="en",
    )
    start_date = ResidentDateField(
        lazy_pgettext("resident", "First day of the checks"),
        validators=[
            _date_required(lazy_pgettext("resident", "Enter the first day of the checks."))
        ],
    )
    end_date = ResidentDateField(
        lazy_pgettext("resident", "Last day of the checks"),
        validators=[_date_required(lazy_pgettext("resident", "Enter the last day of the checks."))],
    )
    emergency_contact_name = StringField(
        lazy_pgettext("resident", "Emergency contact or key holder: name"),
        validators=[_at_most(NAME_MAX)],
    )
    emergency_contact_phone = StringField(
        lazy_pgettext("resident", "Emergency contact: phone number"),
        validators=[_at_most(PHONE_MAX), phone_number],
    )
    emergency_contact_email = StringField(
        lazy_pgettext("resident", "Emergency contact: email address"),
        validators=[_at_most(EMAIL_MAX), email_address],
    )
    notify_emergency_contact = BooleanField(
        lazy_pgettext("resident", "Email this contact at once if something is wrong")
    )
    alarm_company = StringField(
        lazy_pgettext("resident", "Alarm company"), validators=[_at_most(ALARM_MAX)]
    )
    vehicles = StringField(
        lazy_pgettext("resident", "Vehicles left at the property"),
        description=lazy_pgettext("resident", "Make, color and license plate."),
        validators=[_at_most(NOTE_MAX)],
    )
    lights_on_timers = StringField(
        lazy_pgettext("resident", "Lights on timers"),
        description=lazy_pgettext("resident", "Which lights, and when they switch on."),
        validators=[_at_most(NOTE_MAX)],
    )
    pets = StringField(lazy_pgettext("resident", "Pets"), validators=[_at_most(NOTE_MAX)])
    expected_visitors = StringField(
        lazy_pgettext("resident", "People who will visit"),
        description=lazy_pgettext("resident", "For example a house sitter or a gardener."),
        validators=[_at_most(NOTE_MAX)],
    )
    instructions = TextAreaField(
        lazy_pgettext("resident", "Anything else the officer should know"),
        validators=[_at_most(INSTRUCTIONS_MAX)],
    )
    # Honeypot: hidden from people, filled in by form-filling robots.
    website = StringField(lazy_pgettext("resident", "Leave this empty"))
    submit = SubmitField(lazy_pgettext("resident", "Send my request"))

    no_contact_message = lazy_pgettext(
        "resident", "Give a phone number or an email address, so we can reach you."
    )

    def min_lead_days(self) -> int:
        return int(get_setting("check_min_lead_days"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.phone.errors:
            self.phone.errors.append(self.no_contact_message)
            valid = False
        if self.notify_emergency_contact.data and not self.emergency_contact_email.data:
            self.emergency_contact_email.errors.append(
                pgettext("resident", "Enter the contact's email address, or untick the box.")
            )
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
        names = (
            "requester_name",
            "address",
            "phone",
            "email",
            "language",
            "start_date",
            "end_date",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_email",
            "notify_emergency_contact",
            "alarm_company",
            "vehicles",
            "lights_on_timers",
            "pets",
            "expected_visitors",
            "instructions",
        )
        content = {name: self[name].data for name in names}
        for name, value in content.items():
            if isinstance(value, str) and not value:
                content[name] = None
        return content


class StaffCheckForm(CheckRequestForm):
    """A check taken by phone or at the counter; the start may be today."""

    website = None  # staff need no honeypot
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
        validators=[_at_most(INSTRUCTIONS_MAX)],
    )
    submit = SubmitField(_l("Save special check"))

    no_contact_message = _l("Give the requester's phone number or email address.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requester_name.label.text = _l("Requester's name")
        self.language.label.text = _l("Requester's language for messages")

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

    class Meta(CheckRequestForm.Meta):
        pass

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
