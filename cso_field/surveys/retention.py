"""What canvassed doors forget, and when (cso_field/retention)."""

from flask_babel import lazy_gettext as _l

from cso_field.retention.registry import RetentionRule, register_rule
from cso_field.surveys.models import SurveyResponse


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="survey_response.door",
            record_type="survey_response",
            model=SurveyResponse,
            label=_l("Door-to-door surveys: the door's address and photos"),
            default_days=1095,
            reason=_l(
                "Counted from the visit. Three years: by then the neighbourhood has been "
                "canvassed again. The answers, outcome and district stay for the results."
            ),
            due=lambda cutoff: SurveyResponse.created_at < cutoff,
            personal_fields=("address",),
            photos=True,
        )
    )
