"""What Neighborhood Watch sign-ups forget, and when (cso_field/retention)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from cso_field.neighborhood_watch.models import WatchSignup
from cso_field.retention.registry import RetentionRule, register_rule


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="watch_signup.contact",
            record_type="watch_signup",
            model=WatchSignup,
            label=_l("Neighborhood Watch sign-ups: name and contact details"),
            default_days=365,
            reason=_l(
                "Counted from when it was set aside, or from the sign-up once it became a "
                "group member (whose details the group's list keeps). A year; the sign-up "
                "count and its district stay."
            ),
            due=lambda cutoff: or_(
                WatchSignup.dismissed_at < cutoff,
                and_(WatchSignup.member_id.is_not(None), WatchSignup.created_at < cutoff),
            ),
            personal_fields=("name", "phone", "email", "client_address"),
        )
    )
