from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from cso_field.forms import BaseForm, IntegerField
from cso_field.text_search import MIN_LENGTH, is_too_short

OUTCOMES = ("success", "failure", "denied")
INVALID_DATE = _l("Enter a real date, for example 2026-03-31.")


def outcome_labels():
    return {"success": _l("Success"), "failure": _l("Failure"), "denied": _l("Refused")}


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search that changes nothing

    q = StringField(
        _l("Person, action or record"),
        validators=[Optional(), Length(max=100, message=_l("Search for at most 100 characters."))],
    )
    outcome = SelectField(
        _l("Outcome"),
        choices=lambda: [
            SelectChoice("", _l("Any outcome")),
            *(SelectChoice(value, label) for value, label in outcome_labels().items()),
        ],
        validate_choice=False,
        validators=[Optional()],
    )
    since = DateField(_l("From"), validators=[Optional()], invalid_value_message=INVALID_DATE)
    until = DateField(_l("To"), validators=[Optional()], invalid_value_message=INVALID_DATE)
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])

    def validate_q(self, field):
        if field.data and is_too_short(field.data):
            raise ValidationError(_l("Type at least %(min)d characters.", min=MIN_LENGTH))

    def validate_outcome(self, field):
        if field.data and field.data not in OUTCOMES:
            raise ValidationError(_l("Choose one of the outcomes in the list."))

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))
