"""Building a survey in the app, question by question (issue 20, item 1): a new survey, then
add, change, move or remove one question at a time. Every change goes through
services.revise_survey, so the versioning rule holds: while nobody has answered the current
version it is changed in place; once it has responses the change is the next version, and
the responses keep theirs.

A change the rules refuse raises EditRefused with {form field name: message}: a name that is
not an XLSForm name or is taken, skip logic on a question that is not above, a value that is
not one of its choices, a constraint the app cannot check, a choice question without
choices, a question others depend on removed or moved above them.
"""

import re

from flask_babel import gettext as _
from flask_babel import pgettext

from cso_field.auth.models import User
from cso_field.i18n import RESIDENT_LANGUAGES, resident_language
from cso_field.surveys.models import CHOICE_KINDS, QuestionKind, Survey, SurveyVersion
from cso_field.surveys.questionnaire import (
    ENGLISH,
    NAME,
    ChoiceDef,
    ExpressionError,
    QuestionDef,
    SurveyDefinition,
    parse_constraint,
)
from cso_field.surveys.services import current_version, definition_of, revise_survey, save_survey

MAX_QUESTIONS = 300


class EditRefused(Exception):
    def __init__(self, problems: dict[str, str]):
        super().__init__(problems)
        self.problems = problems


def _form_id(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60]
    return slug if slug and NAME.match(slug) else "survey"


def used_languages(definition: SurveyDefinition) -> list[str]:
    """The resident languages with any text in the survey, English first."""
    found = {code for code, text in definition.title.items() if text}
    for question in definition.questions:
        for texts in (question.label, question.hint, question.constraint_message):
            found |= {code for code, text in texts.items() if text}
        for choice in question.choices:
            found |= {code for code, text in choice.label.items() if text}
    return [code for code in RESIDENT_LANGUAGES if code in found | {ENGLISH}]


def new_survey(title: dict[str, str], user: User) -> Survey:
    """A survey with no question yet, titled in one or more languages; commits."""
    title = {code: text.strip() for code, text in title.items() if text and text.strip()}
    if not title.get(ENGLISH):
        raise EditRefused({f"title_{ENGLISH}": _("Give the survey an English title.")})
    definition = SurveyDefinition(title, _form_id(title[ENGLISH]), [], [])
    definition.languages = used_languages(definition)
    return save_survey(definition, user, publish=False)


# -- Choices, written one per line as "name: label" --------------------------------------------


def parse_choices(lines_by_language: dict[str, str]) -> tuple[list[ChoiceDef], dict[str, str]]:
    """Choices from "name: label" lines: English names them and sets their order, the other
    languages give labels for those names. (choices, {field name: problem})."""
    choices: dict[str, ChoiceDef] = {}
    problems: dict[str, str] = {}
    for code in RESIDENT_LANGUAGES:
        field = f"choices_{code}"
        for number, line in enumerate((lines_by_language.get(code) or "").splitlines(), 1):
            if not line.strip():
                continue
            name, separator, label = line.partition(":")
            name, label = name.strip(), label.strip()
            if not separator or not NAME.match(name) or not label:
                problems[field] = _(
                    'Line %(number)d: write "name: label", the name in letters, digits and _.',
                    number=number,
                )
            elif code == ENGLISH and name in choices:
                problems[field] = _(
                    "Line %(number)d: %(name)s is there twice.", number=number, name=name
                )
            elif code == ENGLISH:
                choices[name] = ChoiceDef(name, {ENGLISH: label})
            elif name not in choices:
                problems[field] = _(
                    "Line %(number)d: %(name)s is not one of the English choices.",
                    number=number,
                    name=name,
                )
            else:
                choices[name].label[code] = label
    return list(choices.values()), problems


def yes_no_choices() -> list[ChoiceDef]:
    """Yes and No, labelled in every resident language."""
    labels: dict[str, dict[str, str]] = {"yes": {}, "no": {}}
    for code in RESIDENT_LANGUAGES:
        with resident_language(code):
            labels["yes"][code] = pgettext("resident", "Yes")
            labels["no"][code] = pgettext("resident", "No")
    return [ChoiceDef(name, texts) for name, texts in labels.items()]


# -- The rules of one question among the others ------------------------------------------------


def _problems(questions: list[QuestionDef], index: int) -> dict[str, str]:
    question, above = questions[index], questions[:index]
    problems: dict[str, str] = {}
    if not NAME.match(question.name or ""):
        problems["name"] = _("Start with a letter; use letters, digits, _ . or - (at most 100).")
    elif any(other.name == question.name for n, other in enumerate(questions) if n != index):
        problems["name"] = _("Another question already has this name.")
    if not (question.label.get(ENGLISH) or "").strip():
        problems[f"label_{ENGLISH}"] = _("Write the question in English.")
    if question.kind in CHOICE_KINDS and not question.choices:
        problems[f"choices_{ENGLISH}"] = _("Give at least one choice.")
    if question.parent and question.parent not in {
        q.name for q in above if q.kind == QuestionKind.GROUP
    }:
        problems["parent"] = _("Choose a section above this question.")
    problems.update(_skip_logic_problems(question, above))
    if question.constraint:
        try:
            parse_constraint(question.constraint)
        except ExpressionError as error:
            problems["constraint"] = _("The app cannot check this: %(part)s", part=str(error))
    return problems


def _skip_logic_problems(question: QuestionDef, above: list[QuestionDef]) -> dict[str, str]:
    if not question.relevant_question:
        return {}
    shown_by = next((q for q in above if q.name == question.relevant_question), None)
    if shown_by is None:
        return {"relevant_question": _("Choose a question above this one.")}
    if not question.relevant_value:
        return {"relevant_value": _("Write the answer that shows this question.")}
    names = [choice.name for choice in shown_by.choices]
    if shown_by.kind in CHOICE_KINDS and question.relevant_value not in names:
        return {
            "relevant_value": _(
                "Use one of the choice names of %(question)s: %(names)s",
                question=shown_by.name,
                names=", ".join(names),
            )
        }
    return {}


def _depends_on(question: QuestionDef, name: str) -> bool:
    return (
        question.relevant_question == name
        or question.parent == name
        or "${%s}" % name in (question.constraint or "")  # noqa: UP031 (an XLSForm reference)
    )


def _save(survey: Survey, definition: SurveyDefinition, user: User) -> SurveyVersion:
    definition.languages = used_languages(definition)
    return revise_survey(survey, definition, user)


def _placed(survey: Survey, question: QuestionDef, replacing: str | None):
    """The survey's definition with `question` in place, its index, and the problems."""
    definition = definition_of(current_version(survey))
    questions = definition.questions
    if question.kind in CHOICE_KINDS:
        question.list_name = question.name
    if replacing is None:
        if len(questions) >= MAX_QUESTIONS:
            limit = _("A survey has at most %(num)d questions.", num=MAX_QUESTIONS)
            return definition, {"name": limit}
        questions.append(question)
        index = len(questions) - 1
    else:
        index = next(n for n, q in enumerate(questions) if q.name == replacing)
        questions[index] = question
        _rename_references(questions, replacing, question.name)
    return definition, _problems(questions, index)


def question_problems(survey: Survey, question: QuestionDef, replacing: str | None = None):
    """What save_question would refuse, without saving."""
    return _placed(survey, question, replacing)[1]


def save_question(
    survey: Survey, question: QuestionDef, user: User, *, replacing: str | None = None
) -> SurveyVersion:
    """Add `question` at the end, or put it in the place of the question named `replacing`
    (the questions that name it follow a new name); commits. EditRefused on a broken rule."""
    definition, problems = _placed(survey, question, replacing)
    if problems:
        raise EditRefused(problems)
    return _save(survey, definition, user)


def _rename_references(questions: list[QuestionDef], old: str, new: str) -> None:
    if old == new:
        return
    for other in questions:
        if other.relevant_question == old:
            other.relevant_question = new
        if other.parent == old:
            other.parent = new
        if other.constraint:
            other.constraint = other.constraint.replace("${%s}" % old, "${%s}" % new)  # noqa: UP031


def move_question(survey: Survey, name: str, offset: int, user: User) -> SurveyVersion | None:
    """Move a question up (-1) or down (+1); commits. None at either end; EditRefused when
    skip logic or a section would then point below."""
    definition = definition_of(current_version(survey))
    questions = definition.questions
    index = next(n for n, q in enumerate(questions) if q.name == name)
    target = index + offset
    if not 0 <= target < len(questions):
        return None
    questions[index], questions[target] = questions[target], questions[index]
    if _order_broken(questions):
        raise EditRefused(
            {
                "order": _(
                    "%(name)s cannot move there: skip logic and sections name a question "
                    "above them.",
                    name=name,
                )
            }
        )
    return _save(survey, definition, user)


def _order_broken(questions: list[QuestionDef]) -> bool:
    above: set[str] = set()
    for question in questions:
        if any(ref and ref not in above for ref in (question.relevant_question, question.parent)):
            return True
        above.add(question.name)
    return False


def remove_question(survey: Survey, name: str, user: User) -> SurveyVersion:
    """Remove a question no other question depends on; commits."""
    definition = definition_of(current_version(survey))
    users = [q.name for q in definition.questions if q.name != name and _depends_on(q, name)]
    if users:
        raise EditRefused(
            {
                "order": _(
                    "%(name)s cannot be removed: %(others)s depend on it.",
                    name=name,
                    others=", ".join(users),
                )
            }
        )
    definition.questions = [q for q in definition.questions if q.name != name]
    return _save(survey, definition, user)


def question_of(version: SurveyVersion, name: str) -> QuestionDef | None:
    return next((q for q in definition_of(version).questions if q.name == name), None)
