"""Surveys' forms: an XLSForm upload, starting a canvass, a door's contact, closing."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from cso_field.forms import BaseForm
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import LocationFields

MAX_XLSFORM_BYTES = 2 * 1024 * 1024


class XLSFormUploadForm(BaseForm):
    xlsform = FileField(
        _l("XLSForm spreadsheet (.xlsx)"),
        description=_l(
            "The ODK/KoboToolbox standard: survey, choices and settings sheets, with "
            "label::Language (code) columns. At most 2 MB."
        ),
        validators=[FileRequired(message=_l("Choose an XLSForm file to upload."))],
    )
    submit = SubmitField(_l("Import survey"))


class CanvassForm(BaseForm):
    client_uuid = ClientUUIDField()
    survey = SelectField(
        _l("Survey"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a survey."))],
        validate_choice=True,
    )
    area = StringField(
        _l("Area"),
        description=_l("The streets or blocks you will canvass."),
        validators=[
            DataRequired(message=_l("Name the area you will canvass.")),
            Length(max=200, message=_l("At most %(max)d characters.", max=200)),
        ],
    )
    submit = SubmitField(_l("Start canvass"))

    def __init__(self, *args, surveys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.survey.choices = [(survey.id, survey.name) for survey in surveys]


class ContactForm(LocationFields):
    """A door: where, and its outcome in one tap (the questionnaire's answers ride along)."""

    client_uuid = ClientUUIDField()
    outcome = SelectField(
        _l("What happened at this door?"),
        choices=[
            ("no_answer", _l("No answer")),
            ("declined", _l("Declined")),
            ("completed", _l("Completed")),
            ("come_back", _l("Come back later")),
            ("vacant", _l("Vacant")),
        ],
        validators=[InputRequired(message=_l("Choose what happened at this door."))],
    )
    language = SelectField(
        _l("Resident's language"),
        choices=[(code, language.name) for code, language in RESIDENT_LANGUAGES.items()],
        default="en",
    )


class CloseCanvassForm(BaseForm):
    submit = SubmitField(_l("Close canvass"))
