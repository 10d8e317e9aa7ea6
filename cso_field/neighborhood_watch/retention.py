"""What Neighborhood Watch forgets, and when (cso_field/retention): sign-ups, and the members
of a group once they left it or the group was archived."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_

from cso_field.neighborhood_watch.models import WatchGroup, WatchMember, WatchSignup
from cso_field.retention.registry import RetentionRule, register_rule
from cso_field.retention.services import held


def _member_held():
    """A member is held through the sign-up that made it one (members have no reference)."""
    return exists().where(
        WatchSignup.member_id == WatchMember.id,
        held(WatchSignup.record_type, WatchSignup.id),
    )


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
    register_rule(
        RetentionRule(
            name="watch_member.contact",
            record_type="watch_member",
            model=WatchMember,
            label=_l("Neighborhood Watch members: name, phone, email and address"),
            default_days=365,
            reason=_l(
                "Counted from when the member left or was removed, or the group was "
                "archived. A year covers a returning member or a question about the group; "
                "the member's row, dates and language stay for the group's counts."
            ),
            due=lambda cutoff: or_(
                WatchMember.left_at < cutoff,
                exists().where(
                    WatchGroup.id == WatchMember.group_id, WatchGroup.archived_at < cutoff
                ),
            ),
            personal_fields=("name", "phone", "email", "address"),
            held=_member_held,
        )
    )
