"""What special checks forget, and when (cso_field/retention)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_

from cso_field.retention.registry import RetentionRule, register_rule
from cso_field.special_checks.models import CheckVisit, SpecialCheck

CONTACT_FIELDS = (
    "requester_name",
    "phone",
    "email",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_email",
    "alarm_company",
    "vehicles",
    "lights_on_timers",
    "pets",
    "expected_visitors",
    "instructions",
    "client_address",
    "manage_token_hash",  # the resident's private link stops working
)


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="special_check.contact",
            record_type="special_check",
            model=SpecialCheck,
            label=_l("Special checks: the requester's and emergency contact's details"),
            default_days=365,
            reason=_l(
                "Counted from the check's last day. A year covers a resident's questions or "
                "a complaint about the visits; after that the department has no use for a "
                "requester's phone, contacts and house notes. The address, dates and visits "
                "stay for the district numbers."
            ),
            due=lambda cutoff: or_(
                SpecialCheck.end_date < cutoff.date(), SpecialCheck.cancelled_at < cutoff
            ),
            personal_fields=CONTACT_FIELDS,
        )
    )
    register_rule(
        RetentionRule(
            name="check_visit.photos",
            record_type="check_visit",
            model=CheckVisit,
            label=_l("Special check visits: photos"),
            default_days=730,
            reason=_l(
                "Counted from the visit. Two years, the least a city keeps its records "
                "(California Government Code 34090); the visit and its outcome stay."
            ),
            due=lambda cutoff: CheckVisit.created_at < cutoff,
            photos=True,
        )
    )
