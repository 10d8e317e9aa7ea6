"""Neighborhood Watch's forms. A resident's interest (name, phone or email, language, willing
to host or be block captain) is one neutral set of fields used twice: on the public sign-up
page and in the interest section of a canvassed door's questionnaire, both in the resident's
words (msgctxt "resident") and validated inside `resident_language()`. Then the staff forms:
a group, a meeting, adding a sign-up to a group, and the "quiet groups" setting.
"""

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from cso_field.forms import BaseForm, IntegerField, no_control_characters
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.mail import normalized_address
from cso_field.neighborhood_watch.services import QUIET_MONTHS_RANGE, Interest
from cso_field.records.forms import ClientUUIDField
from cso_field.timeutil import department_today

NAME_MAX = 120
PHONE_MAX = 40
EMAIL_MAX = 254
ADDRESS_MAX = 300
TEXT_MAX = 2000
_PHONE = re.compile(r"^[0-9+()./\- ]+(\s*(x|ext\.?|#)\s*[0-9]{1,6})?$", re.IGNORECASE)
PHONE_DIGITS = (7, 20)
DAMAGED = lazy_pgettext("resident", "This form is damaged. Reload the page and try again.")


def _at_most(limit: int):
    return Length(max=limit, message=lazy_pgettext("resident", "At most %(max)d characters."))


def _resident_text(form, field) -> None:
    try:
        no_control_characters(form, field)
    except ValidationError:
        raise ValidationError(
            pgettext("resident", "Remove the invisible control characters from this field.")
        ) from None


def _phone(form, field) -> None:
    if not field.data:
        return
    digits = sum(character.isdigit() for character in field.data)
    if not _PHONE.match(field.data) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ValidationError(
            pgettext("resident", "Enter a phone number with its area code, e.g. 209-555-0123.")
        )


def _email(form, field) -> None:
    if field.data and normalized_address(field.data) is None:
        raise ValidationError(pgettext("resident", "Enter an email address like name@example.com."))


class ResidentSelectField(SelectField):
    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(pgettext("resident", "Choose one of the options."))


class ResidentMeta(BaseForm.Meta):
    """The shared control-character rule, in the resident's words."""

    def bind_field(self, form, unbound_field, options):
        bound = super().bind_field(form, unbound_field, options)
        bound.validators = [
            _resident_text if rule is no_control_characters else rule for rule in bound.validators
        ]
        return bound


class ResidentClientUUIDField(ClientUUIDField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DAMAGED) from None

    def pre_validate(self, form):
        if self.data is None:
            raise ValidationError(DAMAGED)


def _languages() -> list[tuple[str, str]]:
    return [(code, language.name) for code, language in RESIDENT_LANGUAGES.items()]


class InterestFields(BaseForm):
    """The resident's details for joining a group; shared by the two resident forms."""

    Meta = ResidentMeta
    name = StringField(
        lazy_pgettext("resident", "Your name"),
        validators=[
            DataRequired(message=lazy_pgettext("resident", "Write your name.")),
            _at_most(NAME_MAX),
        ],
    )
    phone = StringField(
        lazy_pgettext("resident", "Phone"), validators=[_at_most(PHONE_MAX), _phone]
    )
    email = StringField(
        lazy_pgettext("resident", "Email"), validators=[_at_most(EMAIL_MAX), _email]
    )
    language = ResidentSelectField(
        lazy_pgettext("resident", "Language for meetings and messages"), choices=_languages()
    )
    willing_host = BooleanField(lazy_pgettext("resident", "I can host a meeting at my home"))
    willing_captain = BooleanField(lazy_pgettext("resident", "I would be a block captain"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.phone.errors:
            self.phone.errors.append(
                pgettext(
                    "resident", "Give a phone number or an email address, so we can reach you."
                )
            )
            valid = False
        return valid

    def interest(self) -> Interest:
        return Interest(
            name=self.name.data.strip(),
            phone=(self.phone.data or "").strip() or None,
            email=normalized_address(self.email.data) if self.email.data else None,
            language=self.language.data,
            willing_host=bool(self.willing_host.data),
            willing_captain=bool(self.willing_captain.data),
        )


class WatchInterestForm(InterestFields):
    """The interest section of a canvassed door's questionnaire (posted with the answers,
    its fields named "watch:…", which no question name can be); checked only when ticked."""

    interested = BooleanField(
        lazy_pgettext("resident", "Yes, I would like to join Neighborhood Watch")
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "watch:")
        kwargs.setdefault("meta", {"csrf": False})  # inside the questionnaire's form
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        return not self.interested.data or super().validate(extra_validators)


class WatchSignupForm(InterestFields):
    """The public sign-up page."""

    client_uuid = ResidentClientUUIDField(lazy_pgettext("resident", "This form"))
    address = StringField(
        lazy_pgettext("resident", "Your street address (optional)"),
        description=lazy_pgettext("resident", "It helps us find the group nearest to you."),
        validators=[_at_most(ADDRESS_MAX)],
    )
    # Honeypot: hidden from people, filled in by form-filling robots.
    website = StringField(lazy_pgettext("resident", "Leave this empty"))
    submit = SubmitField(lazy_pgettext("resident", "Sign up"))


# -- Staff -------------------------------------------------------------------------------------


def _staff_at_most(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


class GroupForm(BaseForm):
    name = StringField(
        _l("Group name"),
        validators=[DataRequired(message=_l("Name the group.")), _staff_at_most(200)],
    )
    area = StringField(
        _l("Area"),
        description=_l("The streets or blocks the group watches."),
        validators=[DataRequired(message=_l("Name the group's area.")), _staff_at_most(300)],
    )
    district = SelectField(_l("District"), coerce=int, validate_choice=True)
    language = SelectField(_l("Meeting language"), choices=_languages(), default="en")
    submit = SubmitField(_l("Create group"))

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = [(0, _l("Not known")), *districts]

    def fields(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "area": self.area.data.strip(),
            "district_id": self.district.data or None,
            "language": self.language.data,
        }


def _not_in_future(form, field) -> None:
    if field.data and field.data > department_today():
        raise ValidationError(_l("A meeting is recorded once it has been held: not a later day."))


class MeetingForm(BaseForm):
    client_uuid = ClientUUIDField()
    held_on = DateField(
        _l("Date"),
        validators=[InputRequired(message=_l("Enter the meeting's date.")), _not_in_future],
    )
    place = StringField(
        _l("Place"), validators=[DataRequired(message=_l("Where was it?")), _staff_at_most(300)]
    )
    topics = TextAreaField(
        _l("Topics"),
        validators=[
            DataRequired(message=_l("Write what was discussed.")),
            _staff_at_most(TEXT_MAX),
        ],
    )
    attendance = IntegerField(
        _l("People present"),
        validators=[
            InputRequired(message=_l("Count the people present.")),
            NumberRange(min=0, max=10_000, message=_l("Between 0 and 10,000.")),
        ],
    )
    materials = TextAreaField(
        _l("Materials handed out"),
        description=_l("Flyers, stickers, crime prevention guides…"),
        validators=[_staff_at_most(TEXT_MAX)],
    )
    follow_ups = TextAreaField(
        _l("Follow-ups"),
        description=_l("What was promised, and by whom."),
        validators=[_staff_at_most(TEXT_MAX)],
    )
    submit = SubmitField(_l("Record meeting"))

    def fields(self) -> dict:
        return {
            "held_on": self.held_on.data,
            "place": self.place.data.strip(),
            "topics": self.topics.data.strip(),
            "attendance": self.attendance.data,
            "materials": (self.materials.data or "").strip() or None,
            "follow_ups": (self.follow_ups.data or "").strip() or None,
        }


class AddToGroupForm(BaseForm):
    group = SelectField(
        _l("Group"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a group."))],
        validate_choice=True,
    )
    captain = BooleanField(_l("Make them the block captain"))
    submit = SubmitField(_l("Add to group"))

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = list(groups)


class ButtonForm(BaseForm):
    """A one-button action (set a sign-up aside, choose the block captain)."""


class QuietMonthsForm(BaseForm):
    months = IntegerField(
        _l("No meeting for this many months"),
        validators=[
            InputRequired(message=_l("Enter a number of months.")),
            NumberRange(
                min=QUIET_MONTHS_RANGE[0],
                max=QUIET_MONTHS_RANGE[1],
                message=_l("Between %(min)d and %(max)d months.", min=1, max=36),
            ),
        ],
    )
    submit = SubmitField(_l("Save"))
