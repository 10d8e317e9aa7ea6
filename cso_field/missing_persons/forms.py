"""Forms: taking a report, closing a step, found, a searcher, a poster and its distribution.
Times are typed in the department's zone and stored UTC; empty means now."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from cso_field.forms import BaseForm
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.missing_persons.models import (
    AtRisk,
    Channel,
    Delivery,
    DistributionChannel,
    Outcome,
    PosterField,
    ReportType,
    StepKind,
)
from cso_field.missing_persons.services import DEADLINES, UNDER_AGE_SETTING, WARNING_SETTING
from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import CoordinateField, LocationFields
from cso_field.timeutil import department_today, utcnow

NAME_MAX = 200
SHORT_MAX = 300
PHONE_MAX = 40
TEXT_MAX = 2000
NUMBER_MAX = 40
NOT_A_CHOICE = _l("Choose one of the options.")


def _at_most(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def _choices(enum) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.lazy_label) for member in enum]


class Choice(SelectField):
    """A select whose refusal speaks the user's language."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(NOT_A_CHOICE)


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or ()):
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


def not_in_future(form, field) -> None:
    if field.data is not None and field.data > utcnow():
        raise ValidationError(_l("This time is in the future."))


def on_or_after_today(form, field) -> None:
    if field.data is not None and not department_today() <= field.data <= date(2100, 1, 1):
        raise ValidationError(_l("Choose a day from today on."))


def born_in_the_past(form, field) -> None:
    if field.data is not None and not date(1900, 1, 1) <= field.data <= department_today():
        raise ValidationError(_l("Enter a date of birth in the past."))


class ReportForm(LocationFields):
    """A report taken by phone or at the counter; the place last seen is the location."""

    location_required = False

    client_uuid = ClientUUIDField()
    report_type = Choice(_l("Report type (CLETS)"), choices=_choices(ReportType))
    channel = Choice(_l("Taken"), choices=_choices(Channel))
    reported_at = LocalDateTimeField(
        _l("Report received"),
        description=_l("Empty: now. Every deadline runs from this time."),
        validators=[not_in_future],
    )
    full_name = StringField(
        _l("Full name"),
        validators=[InputRequired(_l("Enter the person's name.")), _at_most(NAME_MAX)],
    )
    aliases = StringField(_l("Other names (optional)"), validators=[_at_most(SHORT_MAX)])
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(_l("Enter the date of birth.")), born_in_the_past],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("Height, build, hair, eyes, marks."),
        validators=[_at_most(TEXT_MAX)],
    )
    languages = StringField(_l("Languages spoken"), validators=[_at_most(SHORT_MAX)])
    medical_needs = TextAreaField(_l("Medical needs"), validators=[_at_most(TEXT_MAX)])
    disability = TextAreaField(_l("Mental or physical disability"), validators=[_at_most(TEXT_MAX)])
    at_risk = Checkboxes(_l("At risk (Penal Code 14215)"), choices=_choices(AtRisk))
    last_seen_at = LocalDateTimeField(_l("Last seen"), validators=[not_in_future])
    clothing = TextAreaField(_l("Clothing when last seen"), validators=[_at_most(TEXT_MAX)])
    party_name = StringField(
        _l("Reporting party"),
        validators=[InputRequired(_l("Enter who is reporting.")), _at_most(NAME_MAX)],
    )
    party_phone = StringField(_l("Reporting party's phone"), validators=[_at_most(PHONE_MAX)])
    party_relationship = StringField(_l("Relationship"), validators=[_at_most(SHORT_MAX)])
    guardian_name = StringField(
        _l("Parent or guardian (for a child)"), validators=[_at_most(NAME_MAX)]
    )
    guardian_phone = StringField(_l("Parent or guardian's phone"), validators=[_at_most(PHONE_MAX)])
    guardian_language = Choice(
        _l("Parent or guardian's language"),
        choices=[
            SelectChoice(code, language.name) for code, language in RESIDENT_LANGUAGES.items()
        ],
    )
    custody_order = TextAreaField(
        _l("Custody order (parental abduction)"),
        description=_l("Court, case number, date, and who has custody."),
        validators=[_at_most(TEXT_MAX)],
    )
    case_contact = StringField(
        _l("Sworn officer or district attorney handling it"),
        validators=[_at_most(SHORT_MAX)],
    )
    publish = Checkboxes(
        _l("The reporting party agrees to publish on a poster"), choices=_choices(PosterField)
    )
    submit = SubmitField(_l("Take the report"))

    def content(self) -> dict:
        fields = (
            "report_type",
            "channel",
            "full_name",
            "aliases",
            "birth_date",
            "description",
            "languages",
            "medical_needs",
            "disability",
            "last_seen_at",
            "clothing",
            "party_name",
            "party_phone",
            "party_relationship",
            "guardian_name",
            "guardian_phone",
            "guardian_language",
            "custody_order",
            "case_contact",
            "latitude",
            "longitude",
            "accuracy_m",
            "address",
        )
        content = {name: self[name].data for name in fields}
        for name, value in content.items():
            if value == "":
                content[name] = None
        content["guardian_language"] = self.guardian_language.data or "en"
        content["at_risk"] = list(self.at_risk.data or [])
        content["publish"] = list(self.publish.data or [])
        content["reported_at"] = self.reported_at.data
        return content


class StepForm(BaseForm):
    done_at = LocalDateTimeField(
        _l("Done at"), description=_l("Empty: now."), validators=[not_in_future]
    )
    record_number = StringField(_l("MUPS/CLETS record number"), validators=[_at_most(NUMBER_MAX)])
    note = StringField(_l("Note (optional)"), validators=[_at_most(SHORT_MAX)])
    save = SubmitField(_l("Record as done"))


class FoundForm(BaseForm):
    found_at = LocalDateTimeField(
        _l("Found at"), description=_l("Empty: now."), validators=[not_in_future]
    )
    found_place = StringField(
        _l("Where found"),
        validators=[InputRequired(_l("Enter where the person was found.")), _at_most(SHORT_MAX)],
    )
    found_notified = TextAreaField(
        _l("Who was notified"),
        validators=[InputRequired(_l("Enter who was notified.")), _at_most(TEXT_MAX)],
    )
    save = SubmitField(_l("Mark as found"))


class SearcherForm(BaseForm):
    user = Choice(_l("Searcher"), choices=[], coerce=str)
    save = SubmitField(_l("Assign"))


class PosterForm(BaseForm):
    language = Choice(
        _l("Second language"),
        choices=[
            SelectChoice(code, language.name)
            for code, language in RESIDENT_LANGUAGES.items()
            if code != "en"
        ],
    )
    contact_phone = StringField(
        _l("Contact number on the poster"),
        validators=[InputRequired(_l("Enter the contact number.")), _at_most(PHONE_MAX)],
    )
    save = SubmitField(_l("Make the poster"))


class DistributionForm(BaseForm):
    agency = StringField(
        _l("Agency"), validators=[InputRequired(_l("Enter the agency.")), _at_most(NAME_MAX)]
    )
    person = StringField(_l("Person (optional)"), validators=[_at_most(NAME_MAX)])
    channel = Choice(_l("How"), choices=_choices(DistributionChannel))
    save = SubmitField(_l("Log it"))


def _minutes(low: int, high: int):
    def check(form, field) -> None:
        raw = (field.data or "").strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and low <= int(raw) <= high):
            raise ValidationError(
                _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
            )

    return check


class DeadlineSettingsForm(BaseForm):
    """The deadlines, in minutes, with the statute each default comes from as its hint."""

    bolo = StringField(
        _l("BOLO broadcast, minutes after the report"),
        description=DEADLINES[StepKind.BOLO].source,
        validators=[_minutes(1, 1440)],
    )
    doj_entry = StringField(
        _l("MUPS entry, minutes after the report"),
        description=DEADLINES[StepKind.DOJ_ENTRY].source,
        validators=[_minutes(1, 1440)],
    )
    mups_removal = StringField(
        _l("MUPS removal, minutes after the person is found"),
        description=DEADLINES[StepKind.MUPS_REMOVAL].source,
        validators=[_minutes(1, 1440)],
    )
    agency_notice = StringField(
        _l("Notice to the reporting agency, minutes after the person is found"),
        description=DEADLINES[StepKind.AGENCY_NOTICE].source,
        validators=[_minutes(1, 10080)],
    )
    under_age = StringField(
        _l("Under this age, the BOLO and MUPS entry are required"),
        description=_l("PC 14211: under 21, or at risk (PC 14215) at any age."),
        validators=[_minutes(1, 120)],
    )
    warning = StringField(
        _l("A step turns red this many minutes before it is due"),
        validators=[_minutes(1, 1440)],
    )
    save = SubmitField(_l("Save settings"))

    KEYS = {
        "bolo": DEADLINES[StepKind.BOLO].setting,
        "doj_entry": DEADLINES[StepKind.DOJ_ENTRY].setting,
        "mups_removal": DEADLINES[StepKind.MUPS_REMOVAL].setting,
        "agency_notice": DEADLINES[StepKind.AGENCY_NOTICE].setting,
        "under_age": UNDER_AGE_SETTING,
        "warning": WARNING_SETTING,
    }

    def values(self) -> dict:
        """{setting key: whole number}."""
        return {key: int(self[name].data) for name, key in self.KEYS.items()}


class AreaForm(BaseForm):
    """A search area: a circle tapped on the board's map, and who searches it."""

    name = StringField(
        _l("Area name"),
        validators=[InputRequired(_l("Name the area.")), _at_most(120)],
    )
    latitude = CoordinateField(_l("Latitude"))
    longitude = CoordinateField(_l("Longitude"))
    accuracy_m = CoordinateField(_l("Location accuracy (metres)"))
    radius_m = StringField(_l("Radius (metres)"), default="400", validators=[_minutes(50, 20000)])
    assignee = Choice(_l("Searcher"), choices=[])
    save = SubmitField(_l("Assign the area"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        lat, lon = self.latitude.data, self.longitude.data
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.name.errors.append(_l("Tap the map where the area is."))
            return False
        return valid

    def content(self) -> dict:
        return {
            "name": self.name.data,
            "latitude": round(self.latitude.data, 7),
            "longitude": round(self.longitude.data, 7),
            "radius_m": int(self.radius_m.data),
            "assignee_id": int(self.assignee.data),
        }


class SearchLogForm(BaseForm):
    area = Choice(_l("Area covered"), choices=[])
    started_at = LocalDateTimeField(
        _l("Started"),
        validators=[InputRequired(_l("Enter when you started.")), not_in_future],
    )
    ended_at = LocalDateTimeField(
        _l("Ended"), description=_l("Empty: now."), validators=[not_in_future]
    )
    places_checked = TextAreaField(
        _l("Places checked"),
        validators=[InputRequired(_l("Write the places you checked.")), _at_most(TEXT_MAX)],
    )
    people_contacted = TextAreaField(_l("People contacted"), validators=[_at_most(TEXT_MAX)])
    save = SubmitField(_l("Log the search"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.started_at.data, self.ended_at.data or utcnow()
        if valid and start > end:
            self.ended_at.errors.append(_l("The end is before the start."))
            return False
        return valid

    def content(self) -> dict:
        return {
            "area_id": int(self.area.data) if self.area.data else None,
            "started_at": self.started_at.data,
            "ended_at": self.ended_at.data or utcnow(),
            "places_checked": self.places_checked.data,
            "people_contacted": self.people_contacted.data or None,
        }


class NotificationForm(BaseForm):
    """A parent notification: the letter's language and number, how it was delivered, what
    came of it, and when to follow up."""

    language = Choice(
        _l("Letter language"),
        choices=[SelectChoice(code, lang.name) for code, lang in RESIDENT_LANGUAGES.items()],
    )
    contact_phone = StringField(
        _l("Number to call, in the letter"),
        validators=[InputRequired(_l("Enter the contact number.")), _at_most(PHONE_MAX)],
    )
    delivery = Choice(_l("Delivery"), choices=_choices(Delivery))
    outcome = Choice(_l("Outcome"), choices=_choices(Outcome))
    follow_up_on = DateField(
        _l("Follow up on (optional)"), validators=[Optional(), on_or_after_today]
    )
    note = StringField(_l("Note (optional)"), validators=[_at_most(SHORT_MAX)])
    save = SubmitField(_l("Record the notification"))

    def content(self) -> dict:
        return {
            "language": self.language.data,
            "contact_phone": self.contact_phone.data,
            "delivery": self.delivery.data,
            "outcome": self.outcome.data,
            "follow_up_on": self.follow_up_on.data,
            "note": self.note.data or None,
        }
