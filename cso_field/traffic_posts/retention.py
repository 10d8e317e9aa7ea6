"""What traffic incidents forget, and when (cso_field/retention)."""

from flask_babel import lazy_gettext as _l

from cso_field.retention.registry import RetentionRule, register_rule
from cso_field.traffic_posts.models import TrafficIncident


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="traffic_incident.requester",
            record_type="traffic_incident",
            model=TrafficIncident,
            label=_l("Traffic and crowd control: who asked for it"),
            default_days=730,
            reason=_l(
                "Counted from the incident's closing. Two years, the least a city keeps its "
                "records (California Government Code 34090); the posts, hours and ICS forms' "
                "facts stay for staffing numbers."
            ),
            due=lambda cutoff: TrafficIncident.closed_at < cutoff,
            personal_fields=("requested_by",),
        )
    )
