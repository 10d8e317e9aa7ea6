"""What traffic and crowd control adds to District numbers (incidents by kind) and to exports."""

from flask_babel import lazy_gettext as _l

from cso_field.exports.fields import list_filters, list_rows, record_fields, status_filter
from cso_field.records import registry
from cso_field.records.registry import (
    DistrictFigures,
    ExportField,
    ExportSource,
    Figure,
    Personal,
    Tally,
)
from cso_field.timeutil import department_day
from cso_field.traffic_posts.models import TrafficIncident
from cso_field.traffic_posts.rules import KIND_LABELS

COLUMNS = ("created_at", "district_id", "kind", "deleted_at")


def incident_tally(incident) -> list[Tally]:
    if incident.deleted_at is not None:
        return []
    day = department_day(incident.created_at)
    return [Tally("traffic_incident", day, incident.district_id, incident.kind)]


FIELDS = (
    *record_fields(TrafficIncident),
    ExportField("kind", lambda incident: incident.kind),
    ExportField("name", lambda incident: incident.name),
    ExportField("starts_at", lambda incident: incident.starts_at),
    ExportField("closed_at", lambda incident: incident.closed_at),
    ExportField("requested_by", lambda incident: incident.requested_by, Personal.NAME),
)


OWN_FILTERS = (
    registry.ListFilter(
        "kind", _l("Kind"), {kind.value: label for kind, label in KIND_LABELS.items()}
    ),
    status_filter(),
)


def register_reports() -> None:
    registry.register_district_figures(
        DistrictFigures(
            name="traffic_incidents",
            figures=(
                Figure(
                    "traffic_incident",
                    _l("Traffic and crowd control"),
                    {kind.value: label for kind, label in KIND_LABELS.items()},
                ),
            ),
            model=TrafficIncident,
            columns=COLUMNS,
            tally=incident_tally,
            order=50,
        )
    )
    registry.register_export(
        ExportSource(
            name="traffic_incidents",
            label=_l("Traffic incidents"),
            list_endpoint="traffic_posts.index",
            fields=FIELDS,
            rows=lambda args: list_rows(TrafficIncident, args, own=OWN_FILTERS),
            filters=lambda args: list_filters(args, OWN_FILTERS),
            own_filters=OWN_FILTERS,
        )
    )
