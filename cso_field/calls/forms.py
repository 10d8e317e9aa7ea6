"""Forms of calls and the office log: a handled call, an office visit or phone call, a call
type with its factor, and the report's period. The time received is typed in the department's
time and stored in UTC."""

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from cso_field.assignments.forms import CheckedSelect, Clock, Day, at_most, language_choices
from cso_field.calls.services import (
    CALL_MINUTES_RANGE,
    REPORT_DAYS_MAX,
    SWORN_MINUTES_RANGE,
    Contact,
    Disposition,
    Outcome,
)
from cso_field.forms import BaseForm, IntegerField
from cso_field.records.forms import ClientUUIDField
from cso_field.timeutil import utcnow

FUTURE_SLACK = timedelta(minutes=10)  # a phone's clock a little ahead of the server's


class ReceivedMixin:
    """When it came in: a day and a time in the department's time, not later than now."""

    received_on = Day(_l("Day"), validators=[InputRequired(message=_l("Enter the day."))])
    received_time = Clock(
        _l("Time received"), validators=[InputRequired(message=_l("Enter the time."))]
    )

    def fill_now(self) -> None:
        now = to_user_timezone(utcnow())
        self.received_on.data = now.date()
        self.received_time.data = now.time().replace(second=0, microsecond=0)

    def received_at(self) -> datetime:
        moment = datetime.combine(self.received_on.data, self.received_time.data)
        return to_utc(moment).replace(tzinfo=None)

    def validate_received_time(self, field):
        if self.received_on.data and field.data and self.received_at() > utcnow() + FUTURE_SLACK:
            raise ValidationError(_l("Record it once it has come in: not a later time."))


class CallForm(ReceivedMixin, BaseForm):
    client_uuid = ClientUUIDField()
    call_type = CheckedSelect(_l("Call type"))
    minutes = IntegerField(
        _l("Minutes on it"),
        validators=[
            InputRequired(message=_l("Enter the minutes you spent on it.")),
            NumberRange(
                min=CALL_MINUTES_RANGE[0],
                max=CALL_MINUTES_RANGE[1],
                message=_l("Between %(min)d and %(max)d minutes.", min=1, max=1440),
            ),
        ],
    )
    disposition = CheckedSelect(
        _l("Disposition"),
        choices=[("", _l("Choose…"))] + [(item.value, item.lazy_label) for item in Disposition],
    )
    sworn_would_go = BooleanField(_l("A sworn officer would otherwise have gone"), default=True)
    district = CheckedSelect(_l("District"))
    submit = SubmitField(_l("Record call"))

    def __init__(self, *args, types=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.call_type.set_choices([("", _l("Choose…")), *types])
        self.district.set_choices([("", _l("Not known")), *districts])

    def validate_call_type(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the call type."))

    def validate_disposition(self, field):
        if not field.data:
            raise ValidationError(_l("Choose how it ended."))

    def content(self) -> dict:
        return {
            "call_type_id": int(self.call_type.data),
            "received_at": self.received_at(),
            "minutes": self.minutes.data,
            "disposition": self.disposition.data,
            "sworn_would_go": bool(self.sworn_would_go.data),
            "district_id": int(self.district.data) if self.district.data else None,
        }


class VisitForm(ReceivedMixin, BaseForm):
    client_uuid = ClientUUIDField()
    kind = CheckedSelect(
        _l("Phone call or walk-in"), choices=[(item.value, item.lazy_label) for item in Contact]
    )
    reason = StringField(
        _l("Reason"),
        description=_l("What they called or came in about. No names."),
        validators=[DataRequired(message=_l("Write what it was about.")), at_most(300)],
    )
    language = CheckedSelect(_l("Language"), choices=language_choices(), default="en")
    outcome = CheckedSelect(
        _l("Handled or referred"), choices=[(item.value, item.lazy_label) for item in Outcome]
    )
    referred_to = StringField(
        _l("Referred to"),
        description=_l("The office or agency, when referred."),
        validators=[at_most(200)],
    )
    submit = SubmitField(_l("Log it"))

    def validate_referred_to(self, field):
        if self.outcome.data == Outcome.REFERRED and not (field.data or "").strip():
            raise ValidationError(_l("Say where you referred them."))

    def content(self) -> dict:
        referred = self.outcome.data == Outcome.REFERRED
        return {
            "kind": self.kind.data,
            "received_at": self.received_at(),
            "reason": self.reason.data.strip(),
            "language": self.language.data,
            "outcome": self.outcome.data,
            "referred_to": (self.referred_to.data or "").strip() if referred else None,
        }


class CallTypeForm(BaseForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Enter the name.")), at_most(120)]
    )
    sworn_minutes = IntegerField(
        _l("A sworn officer's minutes per call"),
        description=_l(
            "The department's factor: travel, the call and the report. A call a sworn officer "
            "would otherwise have gone to saves this much of their time."
        ),
        validators=[
            InputRequired(message=_l("Enter the minutes.")),
            NumberRange(
                min=SWORN_MINUTES_RANGE[0],
                max=SWORN_MINUTES_RANGE[1],
                message=_l("Between %(min)d and %(max)d minutes.", min=1, max=1440),
            ),
        ],
    )
    retired = BooleanField(_l("No longer offered"))
    submit = SubmitField(_l("Save"))

    def fields(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "sworn_minutes": self.sworn_minutes.data,
            "retired": bool(self.retired.data),
        }


class PeriodForm(BaseForm):
    """The report's period and district, from the query string (no CSRF: a GET)."""

    class Meta:
        csrf = False

    first = Day(_l("From"), validators=[Optional()])
    last = Day(_l("To"), validators=[Optional()])
    district = CheckedSelect(_l("District"), validators=[Optional()])

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.district.set_choices([("", _l("All districts")), *districts])

    def validate_last(self, field):
        first, last = self.first.data, field.data
        if first and last and last < first:
            raise ValidationError(_l("The last day comes after the first."))
        if first and last and (last - first).days > REPORT_DAYS_MAX:
            raise ValidationError(_l("At most five years at once."))

    def period(self, default) -> tuple[date, date]:
        return (self.first.data or default.first, self.last.data or default.last)
