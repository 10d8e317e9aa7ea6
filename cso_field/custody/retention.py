"""What custody items forget, and when (cso_field/retention).

The chain itself (parties, times, signatures) is the evidence record of a case and stays as
long as the item's record; the name of the person an item was collected from goes sooner."""

from flask_babel import lazy_gettext as _l

from cso_field.custody.models import CustodyItem
from cso_field.retention.registry import RetentionRule, register_rule


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="custody_item.source",
            record_type="custody_item",
            model=CustodyItem,
            label=_l("Custody items: the person an item was collected from"),
            default_days=2555,
            reason=_l(
                "Counted from the item's collection record. Seven years outlasts the "
                "limitation period of most cases the item is evidence in; the chain of custody "
                "itself stays with the case."
            ),
            due=lambda cutoff: CustodyItem.created_at < cutoff,
            personal_fields=("source_name",),
        )
    )
