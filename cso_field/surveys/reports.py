"""What door-to-door surveys add to District numbers (canvass contacts by outcome) and to
exports (the contacts, their answers kept as free text)."""

import json

from flask_babel import lazy_gettext as _l

from cso_field.exports.fields import list_filters, list_rows, record_fields
from cso_field.records import registry
from cso_field.records.registry import (
    DistrictFigures,
    ExportField,
    ExportSource,
    Figure,
    Personal,
    Tally,
)
from cso_field.surveys.models import SurveyResponse
from cso_field.timeutil import department_day

COLUMNS = ("created_at", "district_id", "outcome", "deleted_at")


def contact_tally(response) -> list[Tally]:
    if response.deleted_at is not None:
        return []
    day = department_day(response.created_at)
    return [Tally("survey_response", day, response.district_id, response.outcome)]


FIELDS = (
    *record_fields(SurveyResponse),
    ExportField("canvass_id", lambda response: response.canvass_id),
    ExportField("outcome", lambda response: response.outcome),
    ExportField("language", lambda response: response.language),
    ExportField(
        "answers",
        lambda response: json.dumps(response.answers or {}, ensure_ascii=False, sort_keys=True),
        Personal.FREE_TEXT,
    ),
)


def register_reports(outcome_labels: dict) -> None:
    """`outcome_labels`: {outcome: lazy label}, in the order of the door's buttons."""
    registry.register_district_figures(
        DistrictFigures(
            name="survey_responses",
            figures=(Figure("survey_response", _l("Canvass contacts"), outcome_labels),),
            model=SurveyResponse,
            columns=COLUMNS,
            tally=contact_tally,
            order=30,
        )
    )
    registry.register_export(
        ExportSource(
            name="survey_responses",
            label=_l("Canvass contacts"),
            list_endpoint="surveys.canvasses",
            fields=FIELDS,
            rows=lambda args: list_rows(SurveyResponse, args),
            filters=list_filters,
        )
    )
