"""Forms for traffic and crowd control: an incident, its periods and posts, an assignment,
On post / Relieved / handover, an activity entry, equipment counts, closing; a designated
problem and an enforcement session. Times are typed in the department's zone and stored UTC.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.forms import BaseForm
from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import LocationFields
from cso_field.roles import FIELD_ROLES
from cso_field.timeutil import department_today
from cso_field.traffic_posts import services
from cso_field.traffic_posts.models import EquipmentItem, IncidentKind, PostRole

NAME_MAX = 200
POST_NAME_MAX = 120
ENTRY_MAX = 200
TEXT_MAX = 2000
OFFICER_MAX = 120
BADGE_MAX = 20
COUNT_MAX = 9999

NOT_A_CHOICE = _l("Choose one of the options.")


def _at_most(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as a select's choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class Choice(SelectField):
    """A select whose refusal speaks the user's language."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(NOT_A_CHOICE)


class LocalDateTimeField(StringField):
    """A date and time in the department's zone (the browser's datetime-local), kept UTC."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        for pattern in self.FORMATS:
            try:
                local = datetime.strptime(self.raw, pattern)
            except ValueError:
                continue
            if 1900 <= local.year <= 9998:
                self.data = to_utc(local)
                return
        raise ValueError(_l("Enter a date and time, for example 2026-07-04 14:30."))

    def _value(self):
        return getattr(self, "raw", "") or ""


class ClockTimeField(StringField):
    """A time of day (HH:MM) today in the department's zone, kept UTC; empty means now."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        try:
            clock = datetime.strptime(raw, "%H:%M").time()
        except ValueError:
            raise ValueError(_l("Enter a time such as 14:05, or leave it empty for now.")) from None
        self.data = to_utc(datetime.combine(department_today(), clock))


class CountField(StringField):
    """A whole number from 0 to COUNT_MAX."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = 0
        if not raw:
            return
        if not raw.isdigit() or len(raw) > 4:
            raise ValueError(_l("Enter a whole number from 0 to %(max)d.", max=COUNT_MAX))
        self.data = int(raw)

    def _value(self):
        return "" if self.data is None else str(self.data)


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date, for example 2026-12-24.")) from None


def staff_choices(field_only: bool = False) -> list[tuple[str, str]]:
    """Active accounts, by name: who can be put in charge; with `field_only`, the CSOs and
    Senior CSOs who can be assigned or handed a post."""
    query = select(User.id, User.display_name).where(User.is_active_account.is_(True))
    if field_only:
        query = query.where(User.role.in_([role.value for role in FIELD_ROLES]))
    users = db.session.execute(query.order_by(User.display_name).limit(200))
    return [(str(user_id), name) for user_id, name in users]


class FieldStaffChoice(Choice):
    """A CSO or Senior CSO for a post: anyone else is refused with the reason."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(services.MESSAGES[services.Problem.NOT_FIELD_STAFF])


# -- Incidents ---------------------------------------------------------------------------------


class IncidentForm(LocationFields):
    client_uuid = ClientUUIDField()
    kind = Choice(
        _l("What kind of incident"),
        choices=as_choices((kind.value, label) for kind, label in services.KIND_LABELS.items()),
        default=IncidentKind.COLLISION.value,
    )
    name = StringField(
        _l("Name"),
        description=_l("For example “Memorial Day parade”. A collision may leave it empty."),
        validators=[_at_most(NAME_MAX)],
    )
    starts_at = LocalDateTimeField(_l("Starts"), description=_l("Empty: now."))
    expected_end_at = LocalDateTimeField(_l("Expected end (optional)"))
    requested_by = StringField(
        _l("Requested by, officer or unit (optional)"), validators=[_at_most(NAME_MAX)]
    )
    in_charge_id = Choice(_l("Senior CSO or officer in charge"))

    def validate_expected_end_at(self, field):
        problem = services.period_problem(self.starts_at.data, field.data)
        if problem:
            raise ValidationError(services.MESSAGES[problem])

    def content(self) -> dict:
        """What was typed; a start left empty is "now" when the incident is created, so a repeat
        of the same submission (the outbox replaying it) is recognised as the same."""
        kind = IncidentKind(self.kind.data)
        name = self.name.data or None
        if name is None:
            name = f"{services.kind_label(kind)}: {self.address.data or _l('at the scene')}"
        return {
            "kind": kind.value,
            "name": str(name)[:NAME_MAX],
            "starts_at": self.starts_at.data,
            "expected_end_at": self.expected_end_at.data,
            "requested_by": self.requested_by.data or None,
            "in_charge_id": int(self.in_charge_id.data) if self.in_charge_id.data else None,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "accuracy_m": self.accuracy_m.data,
            "address": self.address.data or None,
        }


class PeriodForm(BaseForm):
    starts_at = LocalDateTimeField(
        _l("From"), validators=[InputRequired(message=_l("Enter when the period starts."))]
    )
    ends_at = LocalDateTimeField(
        _l("To"), validators=[InputRequired(message=_l("Enter when the period ends."))]
    )
    submit = SubmitField(_l("Add the period"))

    def validate_ends_at(self, field):
        problem = services.period_problem(self.starts_at.data, field.data)
        if problem:
            raise ValidationError(services.MESSAGES[problem])


class PostForm(LocationFields):
    location_required = False
    name = StringField(
        _l("Post"),
        description=_l("Where, e.g. “Main St & 1st Ave, north side”."),
        validators=[InputRequired(message=_l("Name the post.")), _at_most(POST_NAME_MAX)],
    )
    role = Choice(
        _l("Role"),
        choices=as_choices((role.value, label) for role, label in services.ROLE_LABELS.items()),
        default=PostRole.TRAFFIC_DIRECTION.value,
    )
    instructions = TextAreaField(
        _l("Special instructions (optional)"), validators=[_at_most(TEXT_MAX)]
    )
    submit = SubmitField(_l("Add the post"))

    def fields_for_post(self) -> dict:
        has_point = self.latitude.data is not None
        return {
            "name": self.name.data,
            "role": self.role.data,
            "instructions": self.instructions.data or None,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "accuracy_m": self.accuracy_m.data if has_point else None,
            "address": self.address.data or None,
        }


class AssignForm(BaseForm):
    period_id = Choice(_l("Operational period"))
    user_id = FieldStaffChoice(_l("CSO"))
    submit = SubmitField(_l("Assign"))


class PostActionForm(LocationFields):
    """On post or Relieved: the phone's position, and a time when it was earlier than now."""

    location_required = False
    at = ClockTimeField(_l("At (optional)"), description=_l("Empty: now."))


class HandoverForm(PostActionForm):
    to_user_id = FieldStaffChoice(_l("Hand over to"))


class EntryForm(BaseForm):
    text = StringField(
        _l("Activity"),
        description=_l("Short, e.g. “southbound lane reopened”."),
        validators=[InputRequired(message=_l("Write what happened.")), _at_most(ENTRY_MAX)],
    )
    post_id = Choice(_l("Post (optional)"), validators=[Optional()])
    at = ClockTimeField(_l("At (optional)"), description=_l("Empty: now."))
    submit = SubmitField(_l("Add to the log"))


class EquipmentForm(BaseForm):
    item = Choice(
        _l("Equipment"),
        choices=as_choices((item.value, label) for item, label in services.ITEM_LABELS.items()),
        default=EquipmentItem.CONES.value,
    )
    deployed = CountField(_l("Deployed"))
    recovered = CountField(_l("Recovered"))
    submit = SubmitField(_l("Save the count"))

    def validate_recovered(self, field):
        if isinstance(self.deployed.data, int) and field.data > self.deployed.data:
            raise ValidationError(services.MESSAGES[services.Problem.RECOVERED_MORE])


class CloseForm(BaseForm):
    close_anyway = BooleanField(_l("Close even though equipment is still out"))
    submit = SubmitField(_l("Close the incident"))


# -- Selective enforcement ---------------------------------------------------------------------


class ProblemForm(LocationFields):
    client_uuid = ClientUUIDField()
    title = StringField(
        _l("Problem"),
        description=_l("For example “speeding on Pacific Ave”."),
        validators=[InputRequired(message=_l("Say what the problem is.")), _at_most(NAME_MAX)],
    )
    description = TextAreaField(_l("Description (optional)"), validators=[_at_most(TEXT_MAX)])
    until = DayField(
        _l("Enforce until"),
        validators=[InputRequired(message=_l("Enter the last day, for example 2026-12-24."))],
    )
    submit = SubmitField(_l("Designate the problem"))

    def validate_until(self, field):
        if field.data and field.data < department_today():
            raise ValidationError(services.MESSAGES[services.Problem.UNTIL_IN_PAST])

    def content(self) -> dict:
        return {
            "title": self.title.data,
            "description": self.description.data or None,
            "until": self.until.data,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "accuracy_m": self.accuracy_m.data if self.latitude.data is not None else None,
            "address": self.address.data or None,
        }


class SessionForm(BaseForm):
    client_uuid = ClientUUIDField()
    officer_name = StringField(
        _l("Sworn officer"),
        validators=[
            InputRequired(message=services.MESSAGES[services.Problem.OFFICER_REQUIRED]),
            _at_most(OFFICER_MAX),
        ],
    )
    badge_number = StringField(
        _l("Badge number"),
        validators=[
            InputRequired(message=services.MESSAGES[services.Problem.BADGE_REQUIRED]),
            _at_most(BADGE_MAX),
        ],
    )
    started_at = LocalDateTimeField(
        _l("On scene from"), validators=[InputRequired(message=_l("Enter when you arrived."))]
    )
    ended_at = LocalDateTimeField(
        _l("Until"), validators=[InputRequired(message=_l("Enter when you left."))]
    )
    contacts = CountField(_l("Contacts"))
    warnings = CountField(_l("Warnings"))
    referrals = CountField(_l("Referrals to the officer"))
    notes = TextAreaField(_l("Notes (optional)"), validators=[_at_most(TEXT_MAX)])
    submit = SubmitField(_l("Save the session"))

    def validate_ended_at(self, field):
        problem = services.period_problem(self.started_at.data, field.data)
        if problem:
            raise ValidationError(services.MESSAGES[problem])

    def content(self) -> dict:
        return {
            "officer_name": self.officer_name.data,
            "badge_number": self.badge_number.data,
            "started_at": self.started_at.data,
            "ended_at": self.ended_at.data,
            "contacts": self.contacts.data,
            "warnings": self.warnings.data,
            "referrals": self.referrals.data,
            "notes": self.notes.data or None,
        }
