"""What blight cases forget, and when (cso_field/retention)."""

from flask_babel import lazy_gettext as _l

from cso_field.citations.models import BlightCase
from cso_field.retention.registry import RetentionRule, register_rule


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="blight_case.party",
            record_type="blight_case",
            model=BlightCase,
            label=_l("Blight cases: the responsible party's name, notes and photos"),
            default_days=1825,
            reason=_l(
                "Counted from the case's closing. Citations carry fines, appeals, liens and "
                "collections: the city's records schedule keeps them five years after the "
                "case closes. The case, its violations, dates and amounts stay."
            ),
            due=lambda cutoff: BlightCase.closed_on < cutoff.date(),
            personal_fields=("party_name", "notice_details", "reinspection_notes", "waiver_reason"),
            photos=True,
        )
    )
