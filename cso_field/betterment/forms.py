"""Forms of the betterment committees: a committee, a goal, an action, an action's status."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from cso_field.assignments.forms import Checkboxes, CheckedSelect, Day, at_most, language_choices
from cso_field.betterment.services import ActionStatus, Problem
from cso_field.forms import BaseForm, IntegerField
from cso_field.timeutil import department_today


class CommitteeForm(BaseForm):
    name = StringField(
        _l("Committee name"),
        validators=[DataRequired(message=_l("Name the committee.")), at_most(200)],
    )
    area = StringField(
        _l("Area"),
        description=_l("The streets or blocks the committee works for."),
        validators=[DataRequired(message=_l("Name the committee's area.")), at_most(300)],
    )
    district = CheckedSelect(_l("District"))
    languages = Checkboxes(_l("Members' languages"))
    submit = SubmitField(_l("Create committee"))

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.district.set_choices([("", _l("Not known")), *districts])
        self.languages.set_choices(language_choices())

    def fields(self) -> dict:
        chosen = [code for code, _name in language_choices() if code in (self.languages.data or ())]
        return {
            "name": self.name.data.strip(),
            "area": self.area.data.strip(),
            "district_id": int(self.district.data) if self.district.data else None,
            "languages": ",".join(chosen or ["en"]),
        }


class GoalForm(BaseForm):
    problem = CheckedSelect(
        _l("Problem"), choices=[(item.value, item.lazy_label) for item in Problem]
    )
    goal = TextAreaField(
        _l("Goal"),
        description=_l("What the neighborhood wants to change."),
        validators=[DataRequired(message=_l("Write the goal.")), at_most(500)],
    )
    submit = SubmitField(_l("Add goal"))


class ActionForm(BaseForm):
    goal = CheckedSelect(_l("Goal"))
    what = StringField(
        _l("Action"), validators=[DataRequired(message=_l("Write the action.")), at_most(300)]
    )
    owner = StringField(
        _l("Owner"),
        description=_l("The person or office that sees it done."),
        validators=[DataRequired(message=_l("Name the owner.")), at_most(120)],
    )
    partners = StringField(
        _l("Partners"),
        description=_l("City departments, schools, agencies."),
        validators=[at_most(300)],
    )
    due_on = Day(_l("Due"), validators=[InputRequired(message=_l("Enter the due date."))])
    submit = SubmitField(_l("Add action"))

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goal.set_choices(goals)

    def fields(self) -> dict:
        return {
            "what": self.what.data.strip(),
            "owner": self.owner.data.strip(),
            "partners": (self.partners.data or "").strip() or None,
            "due_on": self.due_on.data,
        }


class StatusForm(BaseForm):
    status = CheckedSelect(
        _l("Status"), choices=[(item.value, item.lazy_label) for item in ActionStatus]
    )
    submit = SubmitField(_l("Save"))


class MeetingForm(BaseForm):
    held_on = Day(_l("Date"), validators=[InputRequired(message=_l("Enter the meeting's date."))])
    agenda = TextAreaField(
        _l("Agenda"), validators=[DataRequired(message=_l("Write the agenda.")), at_most(2000)]
    )
    attendance = IntegerField(
        _l("People present"),
        validators=[
            InputRequired(message=_l("Count the people present.")),
            NumberRange(min=0, max=10_000, message=_l("Between 0 and 10,000.")),
        ],
    )
    minutes = TextAreaField(
        _l("Minutes"), description=_l("What was decided, and by whom."), validators=[at_most(5000)]
    )
    submit = SubmitField(_l("Record meeting"))

    def validate_held_on(self, field):
        if field.data and field.data > department_today():
            raise ValidationError(
                _l("A meeting is recorded once it has been held: not a later day.")
            )

    def fields(self) -> dict:
        return {
            "held_on": self.held_on.data,
            "agenda": self.agenda.data.strip(),
            "attendance": self.attendance.data,
            "minutes": (self.minutes.data or "").strip() or None,
        }
