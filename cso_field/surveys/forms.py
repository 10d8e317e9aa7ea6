"""Surveys' forms: an XLSForm upload, starting a canvass, a door's contact, closing."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from cso_field.forms import BaseForm
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import LocationFields
from cso_field.surveys.questionnaire import QuestionDef

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


# -- Building a survey in the app --------------------------------------------------------------

KIND_LABELS = [
    ("text", _l("Text")),
    ("integer", _l("Whole number")),
    ("decimal", _l("Number")),
    ("select_one", _l("Single choice")),
    ("select_multiple", _l("Multiple choice")),
    ("yes_no", _l("Yes / no")),
    ("date", _l("Date")),
    ("note", _l("Note (text only)")),
    ("photo", _l("Photo")),
    ("location", _l("Location")),
    ("group", _l("Section")),
]
TEXT_MAX = 500


def _text(label, max_length=TEXT_MAX, **kwargs):
    return StringField(
        label,
        validators=[
            Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))
        ],
        **kwargs,
    )


def _per_language(make) -> dict:
    """One field per resident language, named "<base>_<code>"."""
    return {
        f"{base}_{code}": field
        for code, language in RESIDENT_LANGUAGES.items()
        for base, field in make(language).items()
    }


NewSurveyForm = type(
    "NewSurveyForm",
    (BaseForm,),
    {
        **_per_language(
            lambda language: {
                "title": _text(_l("Title in %(language)s", language=language.name), 200)
            }
        ),
        "submit": SubmitField(_l("Create survey")),
    },
)


class QuestionFormBase(BaseForm):
    """One question: its kind, name, section, skip logic and constraint, then its texts in
    every language (see QuestionForm for the per-language fields)."""

    kind = SelectField(_l("Kind of question"), choices=KIND_LABELS, validate_choice=True)
    name = _text(
        _l("Name"),
        100,
        description=_l("Its column in exports: letters, digits and _, e.g. people_here."),
    )
    required = BooleanField(_l("An answer is required"))
    parent = SelectField(_l("In section"), default="", validate_choice=True)
    relevant_question = SelectField(_l("Show only if question"), default="", validate_choice=True)
    relevant_negated = SelectField(
        _l("is / is not"),
        choices=[("", _l("is")), ("y", _l("is not"))],
        default="",
        validate_choice=True,
    )
    relevant_value = _text(_l("this answer (its choice name)"), 200)
    constraint = _text(
        _l("Constraint"),
        description=_l("An XLSForm expression, e.g. . >= 1 and . <= 30"),
    )
    submit = SubmitField(_l("Save question"))

    def __init__(self, *args, above=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = [("", _l("None"))] + [
            (q.name, q.name) for q in above if q.kind == "group"
        ]
        self.relevant_question.choices = [("", _l("Always show"))] + [
            (q.name, q.name) for q in above if q.kind not in ("group", "note")
        ]

    def texts(self, base: str) -> dict[str, str]:
        """{language: text} of the per-language fields "<base>_<code>" that were filled."""
        found = {code: (self[f"{base}_{code}"].data or "").strip() for code in RESIDENT_LANGUAGES}
        return {code: text for code, text in found.items() if text}

    def question(self, choices: list) -> QuestionDef:
        return QuestionDef(
            name=(self.name.data or "").strip(),
            kind=self.kind.data,
            label=self.texts("label"),
            hint=self.texts("hint"),
            parent=self.parent.data or None,
            required=bool(self.required.data),
            relevant_question=self.relevant_question.data or None,
            relevant_negated=bool(self.relevant_negated.data),
            relevant_value=(self.relevant_value.data or "").strip() or None,
            constraint=(self.constraint.data or "").strip() or None,
            constraint_message=self.texts("constraint_message"),
            choices=choices,
        )

    @classmethod
    def data_of(cls, question: QuestionDef) -> dict:
        """The form's fields filled from a stored question."""
        data = {
            "kind": question.kind,
            "name": question.name,
            "required": question.required,
            "parent": question.parent or "",
            "relevant_question": question.relevant_question or "",
            "relevant_negated": "y" if question.relevant_negated else "",
            "relevant_value": question.relevant_value,
            "constraint": question.constraint,
        }
        for code in RESIDENT_LANGUAGES:
            data[f"label_{code}"] = question.label.get(code)
            data[f"hint_{code}"] = question.hint.get(code)
            data[f"constraint_message_{code}"] = question.constraint_message.get(code)
            data[f"choices_{code}"] = "\n".join(
                f"{c.name}: {c.label[code]}" for c in question.choices if c.label.get(code)
            )
        return data


QuestionForm = type(
    "QuestionForm",
    (QuestionFormBase,),
    _per_language(
        lambda language: {
            "label": _text(_l("Question in %(language)s", language=language.name)),
            "hint": _text(_l("Hint in %(language)s", language=language.name)),
            "constraint_message": _text(
                _l("Message when the constraint fails, in %(language)s", language=language.name)
            ),
            "choices": TextAreaField(
                _l("Choices in %(language)s", language=language.name),
                description=_l('One a line: "name: label".'),
                validators=[
                    Length(max=20_000, message=_l("At most %(max)d characters.", max=20_000))
                ],
            ),
        }
    ),
)


class MoveQuestionForm(BaseForm):
    direction = SelectField(choices=[("up", "up"), ("down", "down")], validate_choice=True)


class RemoveQuestionForm(BaseForm):
    submit = SubmitField(_l("Remove question"))
