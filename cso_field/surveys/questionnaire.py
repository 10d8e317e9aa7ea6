"""What a questionnaire means, as plain functions: texts per language with English as the
fallback, the simple skip logic ("show only if question X is / is not Y"), XLSForm constraints
(a small safe subset of its expressions, parsed here, never eval'd), and checking a set of
answers against a version of the survey.

A survey's definition travels as plain data (SurveyDefinition), so that the XLSForm reader,
the writer, the database and the tests all speak the same shape.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date

from cso_field.surveys.models import CHOICE_KINDS, NO_ANSWER_KINDS, QuestionKind

ENGLISH = "en"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


def text_in(texts: dict | None, language: str) -> str:
    """The text in `language`, else the English one, else any: never blank while one exists."""
    texts = texts or {}
    for code in (language, ENGLISH):
        if (texts.get(code) or "").strip():
            return texts[code]
    return next((value for value in texts.values() if (value or "").strip()), "")


@dataclass
class ChoiceDef:
    name: str
    label: dict


@dataclass
class QuestionDef:
    name: str
    kind: str
    label: dict = field(default_factory=dict)
    hint: dict = field(default_factory=dict)
    parent: str | None = None
    required: bool = False
    required_message: dict = field(default_factory=dict)
    relevant_question: str | None = None
    relevant_negated: bool = False
    relevant_value: str | None = None
    constraint: str | None = None
    constraint_message: dict = field(default_factory=dict)
    default: str | None = None
    list_name: str | None = None
    choices: list[ChoiceDef] = field(default_factory=list)


@dataclass
class SurveyDefinition:
    title: dict
    form_id: str
    languages: list[str]
    questions: list[QuestionDef]


# -- Skip logic --------------------------------------------------------------------------------

_RELEVANT = re.compile(
    r"^\s*\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\}\s*(?P<op>!=|=)\s*"
    r"(?P<quote>['\"])(?P<value>[^'\"]*)(?P=quote)\s*$"
)
_SELECTED = re.compile(
    r"^\s*(?P<not>not\s*\(\s*)?selected\s*\(\s*\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\}\s*,\s*"
    r"(?P<quote>['\"])(?P<value>[^'\"]*)(?P=quote)\s*\)\s*(?(not)\)\s*)$"
)


def parse_relevant(expression: str) -> tuple[str, bool, str] | None:
    """(question name, negated, value) for `${q} = 'v'`, `${q} != 'v'`, `selected(${q}, 'v')`
    or `not(selected(${q}, 'v'))`; None for anything else."""
    found = _RELEVANT.match(expression)
    if found:
        return found["name"], found["op"] == "!=", found["value"]
    found = _SELECTED.match(expression)
    if found:
        return found["name"], bool(found["not"]), found["value"]
    return None


def relevant_expression(question) -> str | None:
    """The XLSForm text of a question's skip logic."""
    if not question.relevant_question:
        return None
    name, value = question.relevant_question, question.relevant_value or ""
    return f"${{{name}}} {'!=' if question.relevant_negated else '='} '{value}'"


def _holds(question, answers: dict) -> bool:
    if not question.relevant_question:
        return True
    given = answers.get(question.relevant_question)
    matched = value_in(given, question.relevant_value or "")
    return not matched if question.relevant_negated else matched


def value_in(given, value: str) -> bool:
    if isinstance(given, list):
        return value in given
    return given is not None and str(given) == value


def visible_names(questions, answers: dict) -> set[str]:
    """The questions shown for these answers: a question shows when its own condition and
    every enclosing group's condition hold (questions come in form order)."""
    shown: set[str] = set()
    by_name = {question.name: question for question in questions}
    for question in questions:
        parent = by_name.get(question.parent) if question.parent else None
        if parent is not None and parent.name not in shown:
            continue
        if _holds(question, {k: v for k, v in answers.items() if k in shown}):
            shown.add(question.name)
    return shown


# -- Constraints: a safe subset of XLSForm's XPath --------------------------------------------


class ExpressionError(ValueError):
    """An expression outside the subset the app can check."""


_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'[^']*'|\"[^\"]*\")|(?P<ref>\$\{[A-Za-z_]"
    r"[A-Za-z0-9_.-]*\})|(?P<op><=|>=|!=|=|<|>)|(?P<punct>[(),])|(?P<dot>\.)"
    r"|(?P<word>[A-Za-z][A-Za-z-]*))"
)
_FUNCTIONS = {"string-length": 1, "regex": 2, "today": 0, "not": 1, "number": 1}


def tokenize(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    expression = expression.strip()
    while position < len(expression):
        found = _TOKEN.match(expression, position)
        if not found or found.end() == position:
            raise ExpressionError(expression[position:])
        kind = found.lastgroup
        tokens.append((kind, found[kind]))
        position = found.end()
        while position < len(expression) and expression[position].isspace():
            position += 1
    return tokens


class _Parser:
    """or-expr := and-expr ('or' and-expr)*; and-expr := cmp ('and' cmp)*;
    cmp := value (op value)?; value := number | string | . | ${q} | f(args) | ( or-expr )."""

    def __init__(self, tokens):
        self.tokens, self.at = tokens, 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, kind=None, text=None):
        token = self.peek()
        if token[0] is None or (kind and token[0] != kind) or (text and token[1] != text):
            raise ExpressionError(str(token[1]))
        self.at += 1
        return token

    def parse(self):
        tree = self.or_expr()
        if self.at != len(self.tokens):
            raise ExpressionError(str(self.peek()[1]))
        return tree

    def or_expr(self):
        tree = self.and_expr()
        while self.peek() == ("word", "or"):
            self.take()
            tree = ("or", tree, self.and_expr())
        return tree

    def and_expr(self):
        tree = self.comparison()
        while self.peek() == ("word", "and"):
            self.take()
            tree = ("and", tree, self.comparison())
        return tree

    def comparison(self):
        tree = self.value()
        if self.peek()[0] == "op":
            operator = self.take()[1]
            tree = ("cmp", operator, tree, self.value())
        return tree

    def value(self):
        kind, text = self.peek()
        if kind == "number":
            self.take()
            return ("lit", float(text))
        if kind == "string":
            self.take()
            return ("lit", text[1:-1])
        if kind == "dot":
            self.take()
            return ("self",)
        if kind == "ref":
            self.take()
            return ("ref", text[2:-1])
        if kind == "punct" and text == "(":
            self.take()
            tree = self.or_expr()
            self.take("punct", ")")
            return tree
        if kind == "word" and text in _FUNCTIONS:
            return self.call()
        raise ExpressionError(str(text))

    def call(self):
        name = self.take("word")[1]
        self.take("punct", "(")
        arguments = []
        while self.peek() != ("punct", ")"):
            if arguments:
                self.take("punct", ",")
            arguments.append(self.or_expr())
        self.take("punct", ")")
        if len(arguments) != _FUNCTIONS[name]:
            raise ExpressionError(name)
        if name == "regex":
            if arguments[1][0] != "lit" or not isinstance(arguments[1][1], str):
                raise ExpressionError(name)
            try:
                re.compile(arguments[1][1])
            except re.error as error:
                raise ExpressionError(name) from error
        return ("call", name, arguments)


def parse_constraint(expression: str):
    """The parsed constraint, or ExpressionError naming the part the app cannot check."""
    return _Parser(tokenize(expression)).parse()


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _evaluate(tree, current, answers):
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "self":
        return current
    if kind == "ref":
        return answers.get(tree[1])
    if kind == "and":
        return _truth(_evaluate(tree[1], current, answers)) and _truth(
            _evaluate(tree[2], current, answers)
        )
    if kind == "or":
        return _truth(_evaluate(tree[1], current, answers)) or _truth(
            _evaluate(tree[2], current, answers)
        )
    if kind == "cmp":
        return _compare(
            tree[1], _evaluate(tree[2], current, answers), _evaluate(tree[3], current, answers)
        )
    name, arguments = tree[1], [_evaluate(a, current, answers) for a in tree[2]]
    if name == "string-length":
        return float(len(_text(arguments[0])))
    if name == "regex":
        return re.search(arguments[1], _text(arguments[0])) is not None
    if name == "not":
        return not _truth(arguments[0])
    if name == "number":
        return _number(arguments[0])
    return date.today().isoformat()  # today()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(value) if isinstance(value, list) else str(value)


def _truth(value) -> bool:
    return bool(value) if not isinstance(value, str) else value != ""


def _compare(operator, left, right) -> bool:
    left_number, right_number = _number(left), _number(right)
    if left_number is not None and right_number is not None:
        left, right = left_number, right_number
    else:
        left, right = _text(left), _text(right)
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]


def constraint_holds(expression: str, current, answers: dict) -> bool:
    try:
        return _truth(_evaluate(parse_constraint(expression), current, answers))
    except (ExpressionError, TypeError, re.error):
        return False


# -- Answers -----------------------------------------------------------------------------------

LATITUDE, LONGITUDE = (-90.0, 90.0), (-180.0, 180.0)


class AnswerProblem:
    REQUIRED = "required"
    NUMBER = "number"
    WHOLE_NUMBER = "whole_number"
    DATE = "date"
    CHOICE = "choice"
    LOCATION = "location"
    CONSTRAINT = "constraint"
    TOO_LONG = "too_long"


TEXT_MAX = 2000


def parse_answer(question, raw: list[str]):
    """(value or None, problem or None) for what the form sent for one question."""
    kind = QuestionKind(question.kind)
    values = [value.strip() for value in raw if isinstance(value, str) and value.strip()]
    if kind in CHOICE_KINDS:
        names = {choice.name for choice in question.choices}
        if any(value not in names for value in values):
            return None, AnswerProblem.CHOICE
        if kind is QuestionKind.MULTIPLE:
            ordered = [c.name for c in question.choices if c.name in values]
            return ordered or None, None
        if len(values) > 1:
            return None, AnswerProblem.CHOICE
        return (values[0] if values else None), None
    if len(values) > 1:
        values = values[:1]
    if not values:
        return None, None
    value = values[0]
    if len(value) > TEXT_MAX:
        return None, AnswerProblem.TOO_LONG
    if kind in (QuestionKind.INTEGER, QuestionKind.DECIMAL):
        number = _number(value)
        if number is None or abs(number) > 1e12:
            return None, AnswerProblem.NUMBER
        if kind is QuestionKind.INTEGER:
            if not number.is_integer():
                return None, AnswerProblem.WHOLE_NUMBER
            return int(number), None
        return number, None
    if kind is QuestionKind.DATE:
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, AnswerProblem.DATE
    if kind is QuestionKind.LOCATION:
        return _location(value)
    return value, None


def _location(value: str):
    parts = value.replace(",", " ").split()
    numbers = [_number(part) for part in parts[:4]]
    if len(numbers) < 2 or any(number is None for number in numbers):
        return None, AnswerProblem.LOCATION
    lat, lon = numbers[0], numbers[1]
    if not (LATITUDE[0] <= lat <= LATITUDE[1] and LONGITUDE[0] <= lon <= LONGITUDE[1]):
        return None, AnswerProblem.LOCATION
    return " ".join(f"{number:g}" for number in numbers), None


def check_answers(questions, form) -> tuple[dict, dict]:
    """(answers, {question name: problem}) for a posted questionnaire. `form` maps a question
    name to its list of posted values. Hidden questions keep no answer, whatever was sent."""
    answers: dict = {}
    problems: dict = {}
    for question in questions:
        if question.kind in NO_ANSWER_KINDS or question.kind == QuestionKind.PHOTO:
            continue
        value, problem = parse_answer(question, form.get(question.name, []))
        if problem:
            problems[question.name] = problem
        elif value is not None:
            answers[question.name] = value
    shown = visible_names(questions, answers)
    answers = {name: value for name, value in answers.items() if name in shown}
    problems = {name: problem for name, problem in problems.items() if name in shown}
    for question in questions:
        if question.name not in shown or question.name in problems:
            continue
        if question.kind in NO_ANSWER_KINDS or question.kind == QuestionKind.PHOTO:
            continue
        value = answers.get(question.name)
        if value is None:
            if question.required:
                problems[question.name] = AnswerProblem.REQUIRED
        elif question.constraint and not constraint_holds(question.constraint, value, answers):
            problems[question.name] = AnswerProblem.CONSTRAINT
    return answers, problems
