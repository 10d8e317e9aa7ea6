"""XLSForm in and out: the ODK/KoboToolbox spreadsheet standard.

Reading uses pyxform's own workbook parser (xlsx_to_dict: the sheets as rows of
{column: text}, blank rows kept so row numbers stay true) and its aliases; the rules of what
this app can represent are ours. Everything the app cannot represent is a Problem naming
its sheet, row and column, and a form with any problem is refused whole. Columns that only
change ODK Collect's layout (appearance, guidance) and metadata the app records itself
(start, end, deviceid...) are reported as notices, never dropped silently.

Writing uses openpyxl: survey, choices and settings sheets with `label::English (en)`
columns, so that reading what was written gives the same survey back.
"""

import io
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import Workbook
from pyxform import aliases
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import xlsx_to_dict

from cso_field.surveys.models import CHOICE_KINDS, QuestionKind
from cso_field.surveys.questionnaire import (
    ENGLISH,
    NAME,
    ChoiceDef,
    ExpressionError,
    QuestionDef,
    SurveyDefinition,
    parse_constraint,
    parse_relevant,
    relevant_expression,
    text_in,
)

# The app's resident languages by their English names, as XLSForm columns name them.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "vi": "Vietnamese",
    "km": "Khmer",
    "hmn": "Hmong",
    "tl": "Tagalog",
    "pa": "Punjabi",
}
_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()} | {
    "español": "es",
    "espanol": "es",
    "tiếng việt": "vi",
    "filipino": "tl",
}
_LANGUAGE = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<code>[A-Za-z-]{2,8})\))?$")
TRANSLATED = ("label", "hint", "required_message", "constraint_message")
PLAIN = ("type", "name", "required", "relevant", "constraint", "default")
DISPLAY_ONLY = ("appearance", "guidance_hint", "media::image", "image", "audio", "video")
METADATA = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
}
REFUSED_TYPES = {
    "begin_repeat",
    "end_repeat",
    "begin repeat",
    "end repeat",
    "calculate",
    "select_one_from_file",
    "select_multiple_from_file",
    "select one from file",
    "select multiple from file",
    "select_one_external",
    "range",
    "rank",
    "geotrace",
    "geoshape",
    "audio",
    "video",
    "file",
    "barcode",
    "acknowledge",
    "hidden",
    "time",
    "datetime",
    "trigger",
    "xml-external",
    "csv-external",
    "background-audio",
}
SIMPLE_TYPES = {
    "text": QuestionKind.TEXT,
    "string": QuestionKind.TEXT,
    "integer": QuestionKind.INTEGER,
    "int": QuestionKind.INTEGER,
    "decimal": QuestionKind.DECIMAL,
    "date": QuestionKind.DATE,
    "note": QuestionKind.NOTE,
    "photo": QuestionKind.PHOTO,
    "image": QuestionKind.PHOTO,
    "geopoint": QuestionKind.LOCATION,
    "location": QuestionKind.LOCATION,
    "gps": QuestionKind.LOCATION,
}
EXPORT_TYPES = {
    QuestionKind.TEXT: "text",
    QuestionKind.INTEGER: "integer",
    QuestionKind.DECIMAL: "decimal",
    QuestionKind.DATE: "date",
    QuestionKind.NOTE: "note",
    QuestionKind.PHOTO: "image",
    QuestionKind.LOCATION: "geopoint",
}
YES_NO_NAMES = ["yes", "no"]
MAX_ROWS = 2000


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row and self.column:
            return _(
                "Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s",
                sheet=self.sheet,
                row=self.row,
                column=self.column,
                message=self.message,
            )
        if self.column:
            return _(
                "Sheet %(sheet)s, column %(column)s: %(message)s",
                sheet=self.sheet,
                column=self.column,
                message=self.message,
            )
        return _("Sheet %(sheet)s: %(message)s", sheet=self.sheet, message=self.message)


class XLSFormError(Exception):
    """The form cannot be imported; `problems` says every reason found, by row."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class Imported:
    definition: SurveyDefinition
    notices: list[Problem]


def language_code(column_language: str) -> str | None:
    """ "English (en)" -> "en", "Spanish" -> "es"; None for a language the app does not serve."""
    found = _LANGUAGE.match(column_language.strip())
    code = (found["code"] or "").lower() if found else ""
    if code in LANGUAGE_NAMES:
        return code
    if code == "fil":
        return "tl"
    return _BY_NAME.get((found["name"] if found else column_language).strip().lower())


def language_column(code: str) -> str:
    return f"{LANGUAGE_NAMES[code]} ({code})"


# -- Reading -----------------------------------------------------------------------------------


def read_workbook(data: bytes) -> dict:
    try:
        return xlsx_to_dict(io.BytesIO(data))
    except (PyXFormError, ValueError, KeyError, OSError, TypeError, IndexError) as error:
        raise XLSFormError(
            [Problem("-", None, None, _("This file is not an XLSForm spreadsheet (.xlsx)."))]
        ) from error


class _Reader:
    def __init__(self, book: dict):
        self.book = book
        self.problems: list[Problem] = []
        self.notices: list[Problem] = []
        self.settings = (book.get("settings") or [{}])[0] if book.get("settings") else {}
        self.default_language = self._default_language()
        self.languages: set[str] = set()

    def problem(self, sheet, row, column, message):
        self.problems.append(Problem(sheet, row, column, message))

    def notice(self, sheet, row, column, message):
        self.notices.append(Problem(sheet, row, column, message))

    def _default_language(self) -> str:
        given = self.settings.get("default_language")
        if not given:
            return ENGLISH
        code = language_code(given)
        if code is None:
            self.problems.append(
                Problem(
                    "settings",
                    2,
                    "default_language",
                    _("%(language)s is not one of the app's languages.", language=given),
                )
            )
            return ENGLISH
        return code

    def split_column(self, sheet: str, column: str) -> tuple[str, str | None] | None:
        """(base name, language code or None) for a column this reader uses, else None."""
        base, _sep, language = column.partition("::")
        base = base.strip()
        if base not in TRANSLATED:
            return None
        if not language:
            return base, self.default_language
        code = language_code(language)
        if code is None:
            self.notice(
                sheet,
                None,
                column,
                _(
                    "%(language)s is not one of the app's languages: column ignored.",
                    language=language,
                ),
            )
            return base, None
        self.languages.add(code)
        return base, code

    def texts(self, row: dict, columns: dict, base: str) -> dict:
        return {
            code: row[column]
            for column, (name, code) in columns.items()
            if name == base and code and row.get(column)
        }

    def columns(self, sheet: str, rows: list[dict]) -> dict:
        """{column: (base, code)} of the translated columns; notices and problems for others."""
        seen: dict[str, tuple] = {}
        known = set(PLAIN) | {"list_name", "name"} if sheet == "choices" else set(PLAIN)
        reported: set[str] = set()
        for number, row in enumerate(rows, start=2):
            for column in row:
                if column in seen or column in known or column in reported:
                    continue
                split = self.split_column(sheet, column)
                if split is not None:
                    seen[column] = split
                    if split[1] is None:
                        reported.add(column)
                    continue
                reported.add(column)
                if column.split("::")[0] in DISPLAY_ONLY or sheet == "choices":
                    self.notice(
                        sheet,
                        None,
                        column,
                        _("Only changes how ODK Collect shows the form: column ignored."),
                    )
                else:
                    self.problem(
                        sheet,
                        number,
                        column,
                        _("The app cannot represent this column (%(column)s).", column=column),
                    )
        return {column: split for column, split in seen.items() if split[1]}


def import_xlsform(data: bytes) -> Imported:
    """The survey an XLSForm describes, or XLSFormError listing every problem by row."""
    book = read_workbook(data)
    reader = _Reader(book)
    survey_rows = book.get("survey") or []
    if not any(survey_rows):
        raise XLSFormError([Problem("survey", None, None, _("The form has no survey sheet."))])
    if len(survey_rows) > MAX_ROWS:
        raise XLSFormError(
            [Problem("survey", None, None, _("At most %(max)d rows.", max=MAX_ROWS))]
        )
    lists = _choice_lists(reader, book.get("choices") or [])
    columns = reader.columns("survey", survey_rows)
    questions = _questions(reader, survey_rows, columns, lists)
    if reader.problems:
        raise XLSFormError(reader.problems)
    languages = sorted(
        reader.languages | {reader.default_language},
        key=lambda code: list(LANGUAGE_NAMES).index(code),
    )
    title_text = reader.settings.get("form_title") or reader.settings.get("form_id") or ""
    definition = SurveyDefinition(
        title={reader.default_language: title_text or _("Untitled survey")},
        form_id=(reader.settings.get("form_id") or "survey")[:100],
        languages=languages,
        questions=questions,
    )
    for code, column_name in _title_columns(reader.settings):
        definition.title[code] = column_name
    return Imported(definition, reader.notices)


def _title_columns(settings: dict):
    for column, value in settings.items():
        base, _sep, language = column.partition("::")
        if base == "form_title" and language and value:
            code = language_code(language)
            if code:
                yield code, value


def _choice_lists(reader: _Reader, rows: list[dict]) -> dict[str, tuple[int, list[ChoiceDef]]]:
    """{list name: (first row, choices)} from the choices sheet."""
    columns = reader.columns("choices", rows)
    lists: dict[str, tuple[int, list[ChoiceDef]]] = {}
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        list_name, name = row.get("list_name"), row.get("name")
        if not list_name:
            reader.problem("choices", number, "list_name", _("A choice needs its list's name."))
            continue
        if not name:
            reader.problem("choices", number, "name", _("A choice needs a name."))
            continue
        _first, choices = lists.setdefault(list_name, (number, []))
        if any(choice.name == name for choice in choices):
            reader.problem(
                "choices",
                number,
                "name",
                _(
                    "The list %(list)s already has a choice named %(name)s.",
                    list=list_name,
                    name=name,
                ),
            )
            continue
        label = reader.texts(row, columns, "label")
        if not label:
            reader.problem(
                "choices", number, "label", _("The choice %(name)s has no label.", name=name)
            )
        choices.append(ChoiceDef(name, label))
    return lists


def _questions(reader, rows, columns, lists) -> list[QuestionDef]:
    questions: list[QuestionDef] = []
    rows_of: dict[str, int] = {}
    groups: list[str] = []
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        kind_text = " ".join((row.get("type") or "").split())
        if not kind_text:
            reader.problem("survey", number, "type", _("This row has no type."))
            continue
        lowered = kind_text.lower()
        if lowered in ("end_group", "end group"):
            if not groups:
                reader.problem(
                    "survey", number, "type", _("end_group without a begin_group before it.")
                )
            else:
                groups.pop()
            continue
        question = _question(reader, number, row, lowered, columns, lists)
        if question is None:
            continue
        if question.name in rows_of:
            reader.problem(
                "survey",
                number,
                "name",
                _(
                    "The name %(name)s is already used on row %(row)d.",
                    name=question.name,
                    row=rows_of[question.name],
                ),
            )
            continue
        rows_of[question.name] = number
        question.parent = groups[-1] if groups else None
        _skip_logic(reader, number, row, question, rows_of)
        questions.append(question)
        if question.kind == QuestionKind.GROUP:
            groups.append(question.name)
    if groups:
        reader.problem(
            "survey", None, "type", _("The group %(name)s has no end_group.", name=groups[-1])
        )
    return questions


def _question(reader, number, row, kind_text, columns, lists) -> QuestionDef | None:
    kind, list_name = _kind(reader, number, kind_text, lists)
    if kind is None:
        return None
    name = row.get("name") or ""
    if not NAME.match(name):
        reader.problem(
            "survey",
            number,
            "name",
            _("A question needs a name of letters, digits and _ (%(name)s).", name=name),
        )
        return None
    question = QuestionDef(
        name=name,
        kind=kind.value,
        label=reader.texts(row, columns, "label"),
        hint=reader.texts(row, columns, "hint"),
        required_message=reader.texts(row, columns, "required_message"),
        constraint_message=reader.texts(row, columns, "constraint_message"),
        default=row.get("default") or None,
        list_name=list_name,
    )
    if list_name:
        question.choices = [ChoiceDef(c.name, dict(c.label)) for c in lists[list_name][1]]
    if not question.label and kind is not QuestionKind.GROUP:
        reader.problem(
            "survey", number, "label", _("The question %(name)s has no label.", name=name)
        )
    required = row.get("required")
    if required:
        if required not in aliases.yes_no:
            reader.problem("survey", number, "required", _("Write yes or no."))
        question.required = bool(aliases.yes_no.get(required))
    if row.get("constraint"):
        try:
            parse_constraint(row["constraint"])
            question.constraint = row["constraint"]
        except ExpressionError:
            reader.problem(
                "survey",
                number,
                "constraint",
                _(
                    "The app cannot check this constraint: %(expression)s",
                    expression=row["constraint"],
                ),
            )
    return question


def _kind(reader, number, kind_text, lists) -> tuple[QuestionKind | None, str | None]:
    if kind_text in ("begin_group", "begin group"):
        return QuestionKind.GROUP, None
    if kind_text in METADATA:
        reader.notice(
            "survey", number, "type", _("%(type)s: the app records this itself.", type=kind_text)
        )
        return None, None
    if kind_text in REFUSED_TYPES or kind_text.split(" ")[0] in REFUSED_TYPES:
        reader.problem(
            "survey",
            number,
            "type",
            _("The app cannot represent %(type)s questions.", type=kind_text),
        )
        return None, None
    if kind_text in SIMPLE_TYPES:
        return SIMPLE_TYPES[kind_text], None
    parts = kind_text.split(" ")
    select = {"select_one": QuestionKind.SINGLE, "select_multiple": QuestionKind.MULTIPLE}
    if parts[0] in select and len(parts) == 2:
        if parts[1] not in lists:
            reader.problem(
                "survey",
                number,
                "type",
                _("The choice list %(list)s is not on the choices sheet.", list=parts[1]),
            )
            return None, None
        names = [choice.name for choice in lists[parts[1]][1]]
        if parts[0] == "select_one" and names == YES_NO_NAMES:
            return QuestionKind.YES_NO, parts[1]
        return select[parts[0]], parts[1]
    if parts[0] in select and len(parts) > 2:
        reader.problem(
            "survey", number, "type", _("The app cannot represent choices filtered with or_other.")
        )
        return None, None
    reader.problem("survey", number, "type", _("Unknown question type %(type)s.", type=kind_text))
    return None, None


def _skip_logic(reader, number, row, question, rows_of) -> None:
    expression = row.get("relevant")
    if not expression:
        return
    parsed = parse_relevant(expression)
    if parsed is None:
        reader.problem(
            "survey",
            number,
            "relevant",
            _(
                "Only \"${question} = 'value'\" or \"${question} != 'value'\" can be "
                "represented: %(expression)s",
                expression=expression,
            ),
        )
        return
    name, negated, value = parsed
    if name not in rows_of or name == question.name:
        reader.problem(
            "survey", number, "relevant", _("%(name)s is not a question above this row.", name=name)
        )
        return
    question.relevant_question, question.relevant_negated, question.relevant_value = (
        name,
        negated,
        value,
    )


# -- Writing -----------------------------------------------------------------------------------


def export_xlsform(definition: SurveyDefinition) -> bytes:
    """The survey as an XLSForm workbook that import_xlsform reads back the same."""
    languages = [code for code in LANGUAGE_NAMES if code in definition.languages]
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    header = ["type", "name"]
    for base in TRANSLATED:
        header += [f"{base}::{language_column(code)}" for code in languages]
    header += ["required", "relevant", "constraint", "default"]
    survey.append(header)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *(f"label::{language_column(c)}" for c in languages)])
    written_lists: set[str] = set()
    open_groups: list[str] = []
    for question in definition.questions:
        while open_groups and open_groups[-1] != question.parent:
            survey.append(["end_group", open_groups.pop()])
        survey.append(_survey_row(question, languages))
        if question.kind == QuestionKind.GROUP:
            open_groups.append(question.name)
        if question.kind in CHOICE_KINDS and question.list_name not in written_lists:
            written_lists.add(question.list_name)
            for choice in question.choices:
                choices.append(
                    [
                        question.list_name,
                        choice.name,
                        *(choice.label.get(code) for code in languages),
                    ]
                )
    while open_groups:
        survey.append(["end_group", open_groups.pop()])
    settings = book.create_sheet("settings")
    settings.append(
        [
            "form_title",
            *(f"form_title::{language_column(c)}" for c in languages),
            "form_id",
            "default_language",
        ]
    )
    settings.append(
        [
            text_in(definition.title, ENGLISH),
            *(definition.title.get(code) for code in languages),
            definition.form_id,
            language_column(ENGLISH),
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _survey_row(question: QuestionDef, languages: list[str]) -> list:
    kind = QuestionKind(question.kind)
    if kind is QuestionKind.GROUP:
        type_text = "begin_group"
    elif kind in CHOICE_KINDS:
        prefix = "select_multiple" if kind is QuestionKind.MULTIPLE else "select_one"
        type_text = f"{prefix} {question.list_name}"
    else:
        type_text = EXPORT_TYPES[kind]
    row = [type_text, question.name]
    for base in TRANSLATED:
        texts = getattr(question, base)
        row += [texts.get(code) for code in languages]
    row += [
        "yes" if question.required else None,
        relevant_expression(question),
        question.constraint,
        question.default,
    ]
    return row
