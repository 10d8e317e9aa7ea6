"""The tallies behind a survey's results: counted as doors are recorded, read from a few rows
however many responses there are.

survey_outcome_tally holds, per canvass, survey version, outcome, district (0 for none) and
department day (SurveyResponse.day), how many live contacts there are; survey_choice_tally,
per choice question, choice (the answer's value), district and day, how many live completed
contacts picked it. The results page, its charts, a canvass's progress and the needs
assessment sum these rows instead of counting responses and answers.

Database triggers keep them, in the transaction of the write that changes a response or an
answer (a door recorded, its outcome, district or day changed, a response deleted or restored,
answers added or removed), whatever code writes: the tallies change with the rows or not at
all. On PostgreSQL each change is an INSERT … ON CONFLICT DO UPDATE count = count + n, which
takes the tally row's lock, so parallel doors never lose a count; on SQLite writers take turns.
`rebuild()` (`flask surveys rebuild-tallies`) recounts both tables from the responses.
"""

from sqlalchemy import delete, func, insert, literal_column, select, text

from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.surveys.models import (
    CHOICE_KINDS,
    Answer,
    ChoiceTally,
    ContactOutcome,
    OutcomeTally,
    Question,
    SurveyResponse,
)

CHOICES = ChoiceTally.__tablename__
OUTCOMES = OutcomeTally.__tablename__
CHOICE_KEY = "question_id, value, district_id, day"
OUTCOME_KEY = "canvass_id, version_id, outcome, district_id, day"
WATCHED = ("canvass_id", "version_id", "outcome", "district_id", "day", "deleted_at")
COMPLETED = ContactOutcome.COMPLETED.value
_KINDS = ", ".join(f"'{kind.value}'" for kind in sorted(CHOICE_KINDS))


# -- Recounting --------------------------------------------------------------------------------


def _district():
    return func.coalesce(SurveyResponse.district_id, literal_column("0"))


def choice_recount():
    """(question_id, value, district_id, day, count) of the live completed responses' choice
    answers, counted from the rows."""
    return (
        select(Answer.question_id, Answer.value, _district(), SurveyResponse.day, func.count())
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            SurveyResponse.deleted_at.is_(None),
            SurveyResponse.outcome == COMPLETED,
            Question.kind.in_([kind.value for kind in CHOICE_KINDS]),
        )
        .group_by(Answer.question_id, Answer.value, _district(), SurveyResponse.day)
    )


def outcome_recount():
    """(canvass_id, version_id, outcome, district_id, day, count) of the live contacts."""
    response = SurveyResponse
    key = (response.canvass_id, response.version_id, response.outcome, _district(), response.day)
    return select(*key, func.count()).where(response.deleted_at.is_(None)).group_by(*key)


def recount_statements():
    """INSERT … SELECT of both tallies from the responses (the tables empty before)."""
    return [
        insert(ChoiceTally).from_select(
            ["question_id", "value", "district_id", "day", "count"], choice_recount()
        ),
        insert(OutcomeTally).from_select(
            ["canvass_id", "version_id", "outcome", "district_id", "day", "count"],
            outcome_recount(),
        ),
    ]


def rebuild() -> tuple[int, int]:
    """Recount both tallies from the responses and commit; (choice rows, outcome rows).

    Writers of responses and answers wait meanwhile (SHARE locks on PostgreSQL, the write
    lock on SQLite), so the tallies are exact at the commit."""
    try:
        begin_write()
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("LOCK TABLE survey_response, survey_answer IN SHARE MODE"))
        db.session.execute(delete(ChoiceTally))
        db.session.execute(delete(OutcomeTally))
        for statement in recount_statements():
            db.session.execute(statement)
        counted = (
            db.session.scalar(select(func.count()).select_from(ChoiceTally)),
            db.session.scalar(select(func.count()).select_from(OutcomeTally)),
        )
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return counted


# -- The triggers, for migrations --------------------------------------------------------------
# SQLite: trigger bodies with the row (NEW or OLD) written into each statement.


def _upsert(key: str) -> str:
    return f"ON CONFLICT ({key}) DO UPDATE SET count = count + excluded.count;"


def _sqlite_response(row: str, sign: str) -> str:
    """The tallies' change for a whole response: its outcome and its choice answers."""
    district = f"coalesce({row}.district_id, 0)"
    return (
        f"INSERT INTO {OUTCOMES} ({OUTCOME_KEY}, count) "  # noqa: S608 (names from this module)
        f"SELECT {row}.canvass_id, {row}.version_id, {row}.outcome, {district}, {row}.day, "
        f"{sign}1 WHERE {row}.deleted_at IS NULL {_upsert(OUTCOME_KEY)} "
        f"INSERT INTO {CHOICES} ({CHOICE_KEY}, count) "
        f"SELECT a.question_id, a.value, {district}, {row}.day, {sign}count(*) "
        f"FROM survey_answer AS a JOIN survey_question AS q ON q.id = a.question_id "
        f"WHERE a.response_id = {row}.id AND {row}.deleted_at IS NULL "
        f"AND {row}.outcome = '{COMPLETED}' AND q.kind IN ({_KINDS}) "
        f"GROUP BY a.question_id, a.value {_upsert(CHOICE_KEY)}"
    )


def _sqlite_answer(row: str, sign: str) -> str:
    """The choice tally's change for one answer row."""
    return (
        f"INSERT INTO {CHOICES} ({CHOICE_KEY}, count) "  # noqa: S608 (names from this module)
        f"SELECT {row}.question_id, {row}.value, coalesce(r.district_id, 0), r.day, {sign}1 "
        f"FROM survey_response AS r JOIN survey_question AS q ON q.id = {row}.question_id "
        f"WHERE r.id = {row}.response_id AND r.deleted_at IS NULL "
        f"AND r.outcome = '{COMPLETED}' AND q.kind IN ({_KINDS}) "
        f"{_upsert(CHOICE_KEY)}"
    )


def _sqlite_statements() -> list[str]:
    changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in WATCHED)
    answer_changed = " OR ".join(
        f"OLD.{name} IS NOT NEW.{name}" for name in ("response_id", "question_id", "value")
    )
    return [
        f"CREATE TRIGGER {OUTCOMES}_ai AFTER INSERT ON survey_response "
        f"BEGIN {_sqlite_response('NEW', '+')} END",
        f"CREATE TRIGGER {OUTCOMES}_au AFTER UPDATE OF {', '.join(WATCHED)} ON survey_response "
        f"WHEN {changed} BEGIN {_sqlite_response('OLD', '-')} {_sqlite_response('NEW', '+')} END",
        f"CREATE TRIGGER {OUTCOMES}_ad AFTER DELETE ON survey_response "
        f"BEGIN {_sqlite_response('OLD', '-')} END",
        f"CREATE TRIGGER {CHOICES}_ai AFTER INSERT ON survey_answer "
        f"BEGIN {_sqlite_answer('NEW', '+')} END",
        f"CREATE TRIGGER {CHOICES}_au AFTER UPDATE ON survey_answer WHEN {answer_changed} "
        f"BEGIN {_sqlite_answer('OLD', '-')} {_sqlite_answer('NEW', '+')} END",
        f"CREATE TRIGGER {CHOICES}_ad AFTER DELETE ON survey_answer "
        f"BEGIN {_sqlite_answer('OLD', '-')} END",
    ]


# PostgreSQL: two functions that apply a response's or an answer's contribution with a sign,
# and one trigger function per table. Choice rows change in key order, so two writers that
# both change several rows never wait for each other crosswise.
_POSTGRES_FUNCTIONS = [
    f"""
CREATE FUNCTION survey_tally_response(r survey_response, sign int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF r.deleted_at IS NOT NULL THEN RETURN; END IF;
    INSERT INTO {OUTCOMES} AS t ({OUTCOME_KEY}, count)
    VALUES (r.canvass_id, r.version_id, r.outcome, coalesce(r.district_id, 0), r.day, sign)
    ON CONFLICT ({OUTCOME_KEY}) DO UPDATE SET count = t.count + EXCLUDED.count;
    IF r.outcome = '{COMPLETED}' THEN
        INSERT INTO {CHOICES} AS t ({CHOICE_KEY}, count)
        SELECT a.question_id, a.value, coalesce(r.district_id, 0), r.day, sign * count(*)
        FROM survey_answer AS a JOIN survey_question AS q ON q.id = a.question_id
        WHERE a.response_id = r.id AND q.kind IN ({_KINDS})
        GROUP BY a.question_id, a.value
        ORDER BY a.question_id, a.value
        ON CONFLICT ({CHOICE_KEY}) DO UPDATE SET count = t.count + EXCLUDED.count;
    END IF;
END
$$""",  # noqa: S608 (names from this module)
    f"""
CREATE FUNCTION survey_tally_answer(a survey_answer, sign int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {CHOICES} AS t ({CHOICE_KEY}, count)
    SELECT a.question_id, a.value, coalesce(r.district_id, 0), r.day, sign
    FROM survey_response AS r JOIN survey_question AS q ON q.id = a.question_id
    WHERE r.id = a.response_id AND r.deleted_at IS NULL AND r.outcome = '{COMPLETED}'
        AND q.kind IN ({_KINDS})
    ON CONFLICT ({CHOICE_KEY}) DO UPDATE SET count = t.count + EXCLUDED.count;
END
$$""",  # noqa: S608 (names from this module)
    f"""
CREATE FUNCTION {OUTCOMES}_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ({", ".join(f"OLD.{name}" for name in WATCHED)})
        IS NOT DISTINCT FROM ({", ".join(f"NEW.{name}" for name in WATCHED)}) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN PERFORM survey_tally_response(OLD, -1); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM survey_tally_response(NEW, 1); END IF;
    RETURN NULL;
END
$$""",
    f"""
CREATE FUNCTION {CHOICES}_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.response_id, OLD.question_id, OLD.value)
        IS NOT DISTINCT FROM (NEW.response_id, NEW.question_id, NEW.value) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN PERFORM survey_tally_answer(OLD, -1); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM survey_tally_answer(NEW, 1); END IF;
    RETURN NULL;
END
$$""",
]


def _postgres_statements() -> list[str]:
    return [
        *_POSTGRES_FUNCTIONS,
        f"CREATE TRIGGER {OUTCOMES}_change "
        f"AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)} ON survey_response "
        f"FOR EACH ROW EXECUTE FUNCTION {OUTCOMES}_change()",
        f"CREATE TRIGGER {CHOICES}_change AFTER INSERT OR DELETE OR UPDATE ON survey_answer "
        f"FOR EACH ROW EXECUTE FUNCTION {CHOICES}_change()",
    ]


def create_trigger_statements(dialect: str) -> list[str]:
    """The DDL of the triggers that keep the tallies (the tables made by the migration)."""
    return _postgres_statements() if dialect == "postgresql" else _sqlite_statements()


def drop_trigger_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {OUTCOMES}_change ON survey_response",
            f"DROP TRIGGER IF EXISTS {CHOICES}_change ON survey_answer",
            f"DROP FUNCTION IF EXISTS {OUTCOMES}_change()",
            f"DROP FUNCTION IF EXISTS {CHOICES}_change()",
            "DROP FUNCTION IF EXISTS survey_tally_response(survey_response, int)",
            "DROP FUNCTION IF EXISTS survey_tally_answer(survey_answer, int)",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_{event}"
        for table in (OUTCOMES, CHOICES)
        for event in ("ai", "au", "ad")
    ]
