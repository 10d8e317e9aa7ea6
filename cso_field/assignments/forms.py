"""Forms of assignments: giving work (kind, description, place, priority, due in the
department's time, to whom), completing it, and reassigning it. The choice fields here are
shared with cso_field/team's forms."""

from datetime import datetime

from flask_babel import gettext, to_utc
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from cso_field.assignments.services import TRANSLATION, Priority, Work
from cso_field.forms import BaseForm
from cso_field.i18n import RESIDENT_LANGUAGES

TEXT_MAX = 2000
ADDRESS_MAX = 300
NOT_A_CHOICE = _l("Choose one of the options shown.")
NOT_A_DATE = _l("Enter a date as shown, e.g. 2026-05-31.")
NOT_A_TIME = _l("Enter a time as shown, e.g. 14:30.")


def at_most(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


class CheckedSelect(SelectField):
    """A select whose wrong value gets a clear message; choices are (value, label) pairs."""

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(
            *args, choices=[SelectChoice(str(v), label) for v, label in choices], **kwargs
        )

    def set_choices(self, pairs) -> None:
        self.choices = [SelectChoice(str(value), label) for value, label in pairs]

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
        self.choices = [SelectChoice(str(value), label) for value, label in pairs]

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


class Clock(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(NOT_A_TIME) from None


def language_choices(blank=None) -> list[tuple[str, str]]:
    pairs = [(code, language.name) for code, language in RESIDENT_LANGUAGES.items()]
    return [("", blank), *pairs] if blank is not None else pairs


def target_choices(people: list[tuple[int, str]], districts: list[tuple[int, str]]) -> list:
    """A person ("user:7") or whoever is on shift in a district ("district:2").

    The district's label is translated now, to a plain string: a lazy one counts as markup
    (its __html__), so the district's name in it would reach the page unescaped."""
    return [
        ("", _l("Choose…")),
        *((f"user:{user_id}", name) for user_id, name in people),
        *(
            (
                f"district:{district_id}",
                gettext("Whoever is on shift in %(district)s", district=name),
            )
            for district_id, name in districts
        ),
    ]


def parse_target(value: str | None) -> tuple[int | None, int | None]:
    """(assignee id, district id) from a target choice."""
    kind, _colon, number = (value or "").partition(":")
    if not number.isdigit():
        return None, None
    return (int(number), None) if kind == "user" else (None, int(number))


class TargetForm(BaseForm):
    assign_to = CheckedSelect(_l("Assign to"))

    def set_targets(self, people, districts) -> None:
        self.assign_to.set_choices(target_choices(people, districts))

    def validate_assign_to(self, field):
        if field.data == "":
            raise ValidationError(_l("Choose who does the work."))

    @property
    def target(self) -> tuple[int | None, int | None]:
        return parse_target(self.assign_to.data)


class AssignmentForm(TargetForm):
    kind = CheckedSelect(_l("Kind of work"))
    description = TextAreaField(
        _l("What to do"),
        validators=[DataRequired(message=_l("Say what is to be done.")), at_most(TEXT_MAX)],
    )
    address = StringField(_l("Where (address or place)"), validators=[at_most(ADDRESS_MAX)])
    priority = CheckedSelect(
        _l("Priority"), choices=[(p.value, p.label) for p in Priority], default="normal"
    )
    due_on = Day(_l("Due date"), validators=[InputRequired(message=NOT_A_DATE)])
    due_time = Clock(_l("Due time"), validators=[InputRequired(message=NOT_A_TIME)])
    language = CheckedSelect(
        _l("Language (for a translation)"),
        validators=[Optional()],
        description=_l("The language the resident speaks."),
    )
    submit = SubmitField(_l("Assign"))

    def set_choices(self, kinds, people, districts) -> None:
        self.kind.set_choices(kinds)
        self.language.set_choices(language_choices(blank="—"))
        self.set_targets(people, districts)

    def validate_language(self, field):
        if self.kind.data == TRANSLATION and not field.data:
            raise ValidationError(_l("Choose the language to translate."))

    def work(self) -> Work:
        assignee_id, district_id = self.target
        due = to_utc(datetime.combine(self.due_on.data, self.due_time.data)).replace(tzinfo=None)
        return Work(
            kind=self.kind.data,
            description=self.description.data,
            address=self.address.data,
            priority=self.priority.data,
            due_at=due,
            assignee_id=assignee_id,
            district_id=district_id,
            language=self.language.data or None,
        )


class ReassignForm(TargetForm):
    submit = SubmitField(_l("Reassign"))


class CompleteForm(BaseForm):
    record = CheckedSelect(_l("The record you made"), validators=[Optional()])
    outcome = TextAreaField(_l("Outcome"), validators=[at_most(TEXT_MAX)])
    submit = SubmitField(_l("Complete"))

    def set_records(self, records) -> None:
        self.record.set_choices([("", _l("None"))] + [(r.id, _record_label(r)) for r in records])

    @property
    def record_id(self) -> int | None:
        return int(self.record.data) if (self.record.data or "").isdigit() else None

    def validate_outcome(self, field):
        if not field.data and self.record_id is None:
            raise ValidationError(_l("Choose the record you made, or write the outcome."))


def _record_label(record) -> str:
    from cso_field.records.registry import record_summary

    summary = record_summary(record)
    return f"{record.reference} {summary}".strip()[:120]


class ButtonForm(BaseForm):
    """A button that posts nothing but its CSRF token."""

    submit = SubmitField(_l("Accept"))
