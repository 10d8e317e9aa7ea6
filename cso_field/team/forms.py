"""Forms of the team: spoken languages and contact, starting a shift, finding a speaker, a
training session, a certification, a certification kind."""

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from cso_field.assignments.forms import (
    NOT_A_DATE,
    NOT_A_TIME,
    Checkboxes,
    CheckedSelect,
    Clock,
    Day,
    at_most,
    language_choices,
)
from cso_field.forms import BaseForm
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.team.services import Proficiency, Session

_PHONE = re.compile(r"^[0-9+()./\- ]+$")


class ProfileForm(BaseForm):
    """One proficiency select per language (blank: does not speak it), phone, call sign."""

    phone = StringField(_l("Work phone"), validators=[at_most(40)])
    call_sign = StringField(_l("Radio call sign"), validators=[at_most(20)])
    submit = SubmitField(_l("Save"))

    def validate_phone(self, field):
        digits = sum(character.isdigit() for character in field.data or "")
        if field.data and (not _PHONE.match(field.data) or not 7 <= digits <= 20):
            raise ValidationError(_l("Enter a phone number with its area code, e.g. 209-555-0123."))

    def language_fields(self):
        return [self[f"lang_{code}"] for code in RESIDENT_LANGUAGES]

    def languages(self) -> dict[str, str]:
        return {
            code: self[f"lang_{code}"].data
            for code in RESIDENT_LANGUAGES
            if self[f"lang_{code}"].data
        }


_LEVELS = [("", _l("Does not speak it")), *((p.value, p.label) for p in Proficiency)]
for _code, _language in RESIDENT_LANGUAGES.items():
    setattr(
        ProfileForm,
        f"lang_{_code}",
        CheckedSelect(_language.name, choices=_LEVELS, validators=[Optional()]),
    )


class ShiftForm(BaseForm):
    person = CheckedSelect(_l("Who"))
    district = CheckedSelect(_l("District"))
    submit = SubmitField(_l("Start shift"))


class EndShiftForm(BaseForm):
    submit = SubmitField(_l("End shift"))


class FindSpeakerForm(BaseForm):
    class Meta:
        csrf = False  # a search: GET, changes nothing

    language = CheckedSelect(_l("Language"), choices=language_choices())
    on_shift = BooleanField(_l("On shift now"), default=True)
    submit = SubmitField(_l("Find"))


class TrainingSessionForm(BaseForm):
    topic = StringField(
        _l("Topic"), validators=[DataRequired(message=_l("Enter the topic.")), at_most(200)]
    )
    held_on = Day(_l("Date"), validators=[InputRequired(message=NOT_A_DATE)])
    held_time = Clock(_l("Time"), validators=[InputRequired(message=NOT_A_TIME)])
    trainer = StringField(
        _l("Trainer"), validators=[DataRequired(message=_l("Enter the trainer.")), at_most(120)]
    )
    place = StringField(_l("Place"), validators=[at_most(200)])
    attendees = Checkboxes(_l("Attendees"))
    notes = TextAreaField(_l("Notes"), validators=[at_most(2000)])
    submit = SubmitField(_l("Save the session"))

    def session(self) -> Session:
        held = to_utc(datetime.combine(self.held_on.data, self.held_time.data))
        return Session(
            self.topic.data,
            held.replace(tzinfo=None),
            self.trainer.data,
            self.place.data,
            self.notes.data,
        )


class CertificationForm(BaseForm):
    kind = CheckedSelect(_l("Certification"))
    earned_on = Day(_l("Earned on"), validators=[InputRequired(message=NOT_A_DATE)])
    expires_on = Day(
        _l("Expires on"),
        validators=[Optional()],
        description=_l("Leave empty if it does not expire."),
    )
    note = StringField(_l("Note"), validators=[at_most(300)])
    submit = SubmitField(_l("Record certification"))


class CertificationTypeForm(BaseForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Enter the name.")), at_most(120)]
    )
    submit = SubmitField(_l("Add"))
