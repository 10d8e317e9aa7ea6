"""The demo department's holds: two records that retention must leave alone (seed-demo)."""

from sqlalchemy import select

from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.retention.registry import RULES
from cso_field.retention.services import place_hold

DEMO_HOLDS = (
    ("blight_case.party", "Demo: appeal pending before the hearing officer"),
    ("special_check.contact", "Demo: request from the City Attorney's office"),
)


def load_demo_holds(admin: User) -> str:
    """A hold on the newest record of each type above, if the demo made one."""
    placed = 0
    for rule_name, reason in DEMO_HOLDS:
        rule = RULES.get(rule_name)
        if rule is None:
            continue
        model = rule.model
        reference = db.session.scalar(
            select(model.reference).where(model.reference.is_not(None)).order_by(model.id.desc())
        )
        if reference:
            place_hold(reference, reason, admin)
            placed += 1
    return f"{placed} retention holds (Menu, Retention and holds)."
