"""Forms of blight citations: the observation, each step of a case, the codebook, training."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from cso_field.citations.models import PartyKind, Schedule
from cso_field.citations.services import (
    PARTY_FIELDS,
    SCHEDULE_LABELS,
    CitationError,
    parse_override,
)
from cso_field.forms import BaseForm
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import LocationFields

TEXT_MAX = 5000
NOT_A_CHOICE = _l("Choose one of the options shown.")
NOT_A_DATE = _l("Enter a date as shown, e.g. 2026-05-31.")


def at_most(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def required(message):
    return DataRequired(message=message)


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class CheckedSelect(SelectField):
    """A select whose wrong value gets a clear message; `choices` takes (value, label) pairs."""

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, choices=options(choices), **kwargs)

    def set_choices(self, pairs) -> None:
        self.choices = options(pairs)

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(NOT_A_CHOICE)


class Checkboxes(SelectMultipleField):
    """Several ids from the choices, as checkboxes; anything else is refused clearly."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=str, **kwargs)

    def set_choices(self, pairs) -> None:
        self.choices = options(pairs)

    def pre_validate(self, form):
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or ()):
            raise ValidationError(NOT_A_CHOICE)

    @property
    def ids(self) -> list[int]:
        return [int(value) for value in self.data or () if value.isdigit()]


class Day(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(NOT_A_DATE) from None


def language_choices():
    return [(code, language.name) for code, language in RESIDENT_LANGUAGES.items()]


class CaseForm(LocationFields):
    """The observation that opens a case (any staff member may record one)."""

    client_uuid = ClientUUIDField()
    parcel_number = StringField(_l("Parcel number (APN), if known"), validators=[at_most(40)])
    observation = TextAreaField(
        _l("What did you observe?"),
        validators=[required(_l("Write what you observed.")), at_most(TEXT_MAX)],
    )
    violations = Checkboxes(
        _l("Violations"),
        validators=[InputRequired(message=_l("Choose at least one violation."))],
    )
    party_kind = CheckedSelect(
        _l("Responsible party is the"),
        choices=[(PartyKind.OWNER.value, _l("Owner")), (PartyKind.OCCUPANT.value, _l("Occupant"))],
    )
    party_name = StringField(
        _l("Responsible party's name"),
        validators=[required(_l("Enter the responsible party's name.")), at_most(200)],
    )
    mailing_address = StringField(
        _l("Mailing address"),
        validators=[required(_l("Enter the mailing address for notices.")), at_most(400)],
    )
    language = CheckedSelect(_l("Language of the notices"), choices=language_choices())
    submit = SubmitField(_l("Save observation"))

    def validate_address(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter the property's address."))

    def content(self) -> dict:
        return {
            "address": self.address.data,
            "parcel_number": self.parcel_number.data or None,
            "observation": self.observation.data,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "accuracy_m": self.accuracy_m.data,
        }

    def party(self) -> dict:
        return {
            "name": self.party_name.data,
            "mailing_address": self.mailing_address.data,
            "language": self.language.data,
            "kind": self.party_kind.data,
        }


class PartyForm(BaseForm):
    """The responsible party's details and the officer's text on the notices, before any
    notice is issued."""

    party_kind = CheckedSelect(
        _l("Responsible party is the"),
        choices=[(PartyKind.OWNER.value, _l("Owner")), (PartyKind.OCCUPANT.value, _l("Occupant"))],
    )
    party_name = StringField(
        _l("Responsible party's name"),
        validators=[required(_l("Enter the responsible party's name.")), at_most(200)],
    )
    mailing_address = StringField(
        _l("Mailing address"),
        validators=[required(_l("Enter the mailing address for notices.")), at_most(400)],
    )
    language = CheckedSelect(_l("Language of the notices"), choices=language_choices())
    notice_details = TextAreaField(
        _l("Details on the notice (optional)"),
        description=_l("What is wrong and what to correct, in your words, printed as written."),
        validators=[at_most(2000)],
    )
    submit = SubmitField(_l("Save the details"))

    def values(self) -> dict:
        return {name: self[name].data for name in PARTY_FIELDS}


class CorrectionForm(PartyForm):
    """A correction of an issued notice: the details as they should read, and why."""

    reason = StringField(
        _l("Reason for the correction"),
        validators=[required(_l("Give the reason for the correction.")), at_most(500)],
    )
    submit = SubmitField(_l("Issue the corrected notice"))


class WarningForm(BaseForm):
    correction_due = Day(
        _l("Correct by"),
        description=_l("Leave it empty for the codebook's standard correction period."),
        validators=[Optional()],
        render_kw={"type": "date"},
    )
    submit = SubmitField(_l("Issue the warning notice"))


class ReinspectionForm(BaseForm):
    outcome = CheckedSelect(
        _l("Were the violations corrected?"),
        choices=[
            ("not_corrected", _l("Not corrected")),
            ("corrected", _l("Corrected")),
        ],
    )
    notes = TextAreaField(_l("Notes (optional)"), validators=[at_most(TEXT_MAX)])
    submit = SubmitField(_l("Record the reinspection"))


class CitationForm(BaseForm):
    violations = Checkboxes(
        _l("Violations to cite"),
        validators=[InputRequired(message=_l("Choose at least one violation to cite."))],
    )
    submit = SubmitField(_l("Issue the citation"))


class OverrideForm(BaseForm):
    item = CheckedSelect(_l("Violation"), choices=[])
    amount = StringField(
        _l("New fine in dollars"),
        validators=[required(_l("Enter the fine in dollars, e.g. 150.00.")), at_most(20)],
    )
    reason = StringField(
        _l("Reason for the change"),
        validators=[required(_l("Give the reason for changing the fine.")), at_most(500)],
    )
    submit = SubmitField(_l("Change the fine"))


class StepForm(BaseForm):
    action = CheckedSelect(_l("Step"), choices=[])
    on = Day(
        _l("Date"),
        validators=[InputRequired(message=_l("Enter the date."))],
        render_kw={"type": "date"},
    )
    note = StringField(_l("Note or reason"), validators=[at_most(500)])
    submit = SubmitField(_l("Record the step"))


CURRENCY_FIELDS = ("amount_1", "amount_2", "amount_3")


class ViolationForm(BaseForm):
    code_section = StringField(
        _l("Code section"),
        validators=[
            InputRequired(message=_l("Enter the code section, e.g. 8.24.040.")),
            required(_l("Enter the code section, e.g. 8.24.040.")),
            at_most(40),
        ],
    )
    schedule = CheckedSelect(
        _l("Fine schedule"), choices=[(key.value, label) for key, label in SCHEDULE_LABELS.items()]
    )
    amount_1 = StringField(_l("Custom: first fine ($)"), validators=[at_most(20)])
    amount_2 = StringField(_l("Custom: second fine ($)"), validators=[at_most(20)])
    amount_3 = StringField(_l("Custom: third and later fines ($)"), validators=[at_most(20)])
    lookback_days = StringField(_l("Custom: look-back period in days"), default="365")
    correction_days = StringField(_l("Standard correction period in days"), default="14")
    is_example = BooleanField(_l("Example section (replace with the city's own)"))
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save section"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.schedule.data != Schedule.CUSTOM.value:
            return valid
        for name in CURRENCY_FIELDS:
            field = self[name]
            if field.errors:
                continue
            if not (field.data or "").strip():
                field.errors = [_l("A custom schedule needs all three amounts.")]
                continue
            try:
                parse_override(field.data)
            except CitationError:
                field.errors = [_l("Enter an amount in dollars, 0 or more.")]
        return valid and not any(self[name].errors for name in CURRENCY_FIELDS)

    def validate_lookback_days(self, field):
        _whole(field, 1, 3650)

    def validate_correction_days(self, field):
        _whole(field, 1, 365)

    def values(self) -> dict:
        values = {
            "code_section": self.code_section.data,
            "schedule": self.schedule.data,
            "lookback_days": int(self.lookback_days.data),
            "correction_days": int(self.correction_days.data),
            "is_example": bool(self.is_example.data),
            "active": bool(self.active.data),
            "titles": _texts(self, "title"),
            "descriptions": _texts(self, "description"),
            "custom_amounts": None,
        }
        if self.schedule.data == Schedule.CUSTOM.value:
            values["custom_amounts"] = [parse_override(self[n].data) for n in CURRENCY_FIELDS]
        return values


def _texts(form, kind: str) -> dict:
    return {
        code: form[f"{kind}_{code}"].data
        for code in RESIDENT_LANGUAGES
        if (form[f"{kind}_{code}"].data or "").strip()
    }


def _whole(field, low: int, high: int) -> None:
    """A whole number typed in the form (a stored value the post did not send is no answer)."""
    text = (field.raw_data[0] if field.raw_data else "").strip()
    # At most 9 digits: int() refuses a string of more than 4,300 digits.
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise ValidationError(_l("Enter a number from %(min)d to %(max)d.", min=low, max=high))


for _code, _language in RESIDENT_LANGUAGES.items():
    _title_checks = [at_most(200)]
    _text_checks = [at_most(2000)]
    if _code == "en":
        _title_checks.insert(0, required(_l("Enter the English title.")))
        _text_checks.insert(0, required(_l("Enter the English description.")))
    setattr(
        ViolationForm,
        f"title_{_code}",
        StringField(_l("Title (%(language)s)", language=_language.name), validators=_title_checks),
    )
    setattr(
        ViolationForm,
        f"description_{_code}",
        TextAreaField(
            _l("Description (%(language)s)", language=_language.name), validators=_text_checks
        ),
    )


class TrainingForm(BaseForm):
    user = CheckedSelect(_l("Staff member"), choices=[])
    trained_on = Day(
        _l("Trained on"),
        validators=[InputRequired(message=_l("Enter the date of the training."))],
        render_kw={"type": "date"},
    )
    expires_on = Day(
        _l("Expires on (optional)"), validators=[Optional()], render_kw={"type": "date"}
    )
    note = StringField(_l("Note (optional)"), validators=[at_most(500)])
    submit = SubmitField(_l("Record training"))


class CitationSettingsForm(BaseForm):
    citation_payment_days = StringField(_l("Days to pay a citation"))
    citation_hearing_request_days = StringField(_l("Days to request a hearing"))
    citation_appeal_days = StringField(
        _l("Days to appeal after the final administrative order"),
        description=_l("California: 20 days (Government Code 53069.4)."),
    )
    submit = SubmitField(_l("Save settings"))

    def validate_citation_payment_days(self, field):
        _whole(field, 1, 365)

    def validate_citation_hearing_request_days(self, field):
        _whole(field, 1, 365)

    def validate_citation_appeal_days(self, field):
        _whole(field, 1, 365)

    def values(self) -> dict:
        return {
            name: int(self[name].data)
            for name in (
                "citation_payment_days",
                "citation_hearing_request_days",
                "citation_appeal_days",
            )
        }
