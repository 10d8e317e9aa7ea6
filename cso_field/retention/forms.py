"""The Retention screen's forms: a period per registered rule, and a hold."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    StopValidation,
    ValidationError,
)

from cso_field.forms import BaseForm
from cso_field.retention.registry import RetentionRule

MAX_DAYS = 100 * 365


class DaysField(StringField):
    """Whole days; a clear message instead of WTForms' generic one."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = min(int(valuelist[0].strip()), MAX_DAYS + 1)
            except ValueError:
                raise ValueError(_l("Enter a whole number of days.")) from None

    def _value(self):
        """What was typed, even when it was not a number, so that it can be corrected."""
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def days_between(low: int, high: int):
    def check(form, field) -> None:
        if field.process_errors:  # not a number: its own message says so
            raise StopValidation()
        if field.data is None:  # only spaces
            raise StopValidation(_l("Enter a number of days."))
        if not low <= field.data <= high:
            raise ValidationError(
                _l("Enter a number of days from %(min)d to %(max)d.", min=low, max=high)
            )

    return check


def periods_form_class(rules: list[RetentionRule]) -> type:
    """A form class with one days field per rule, named after the rule (dots as "__")."""

    class PeriodsForm(BaseForm):
        submit = SubmitField(_l("Save periods"))

    for rule in rules:
        setattr(
            PeriodsForm,
            field_name(rule.name),
            DaysField(
                rule.label,
                description=rule.reason,
                validators=[
                    InputRequired(_l("Enter a number of days.")),
                    days_between(rule.min_days, MAX_DAYS),
                ],
            ),
        )
    return PeriodsForm


def periods_form(rules: list[RetentionRule], current: dict[str, int], formdata=None):
    """The periods form showing `current` ({rule name: days}). `formdata` is the posted form,
    even when empty (an empty post is refused, not read as the current periods)."""
    data = {field_name(name): days for name, days in current.items()}
    return periods_form_class(rules)(formdata=formdata, data=data)


def field_name(rule_name: str) -> str:
    return "days_" + rule_name.replace(".", "__")


class HoldForm(BaseForm):
    reference = StringField(
        _l("Reference"),
        description=_l("As on the record, e.g. SC-2026-000012."),
        validators=[DataRequired(_l("Enter the record's reference.")), Length(max=20)],
    )
    reason = StringField(
        _l("Reason for the hold"),
        description=_l("For example: open case, appeal, request from counsel."),
        validators=[DataRequired(_l("Enter the reason for the hold.")), Length(max=300)],
    )
    submit = SubmitField(_l("Place hold"))
