"""Template helpers for record pages, and the globals record types registered."""

import re
from decimal import ROUND_HALF_EVEN, Decimal

from flask import Flask
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cso_field.records.forms import ReturnForm
from cso_field.records.registry import (
    RECORD_TYPES,
    TEMPLATE_GLOBALS,
    audit_objects,
    record_summary,
    record_url,
    today_cards_for,
)
from cso_field.records.services import loaded_user

VERSION_ACTIONS = {
    "created": _l("Created"),
    "edited": _l("Edited"),
    "submitted": _l("Submitted for review"),
    "approved": _l("Approved"),
    "returned": _l("Returned for changes"),
    "deleted": _l("Deleted"),
    "photos": _l("Photos added"),
}


def version_action_label(action: str) -> str:
    return str(VERSION_ACTIONS.get(action, action))


def user_name(user_id: int) -> str:
    user = loaded_user(user_id)
    return user.display_name if user else "—"


def format_distance(metres: float) -> str:
    """350 m, 2.4 km: in the viewer's locale."""
    if metres < 1000:
        return _("%(metres)s m", metres=_decimal(round(metres / 10) * 10, None))
    # Rounded as Babel rounds it (half to even, from the float's shortest text), then formatted.
    tenths = Decimal(str(metres / 1000)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    return _("%(km)s km", km=_decimal(tenths, "#,##0.0"))


# Numbers as formatted, by (value, pattern, locale): distances are rounded first, so a few
# hundred texts serve every list. Bounded: emptied when full.
_DECIMALS: dict[tuple, str] = {}
_DECIMALS_KEPT = 4096


def _decimal(value: float | Decimal, pattern: str | None) -> str:
    key = (value, pattern, str(get_locale()))
    text = _DECIMALS.get(key)
    if text is None:
        if len(_DECIMALS) >= _DECIMALS_KEPT:
            _DECIMALS.clear()
        text = _DECIMALS[key] = format_decimal(value, format=pattern)
    return text


def tel_href(phone: str) -> str:
    """A phone number as printed, reduced to what a tel: link may hold."""
    return re.sub(r"[^0-9+]", "", phone)


def record_type_label(record) -> str:
    registered = RECORD_TYPES.get(record.record_type)
    return str(registered.label) if registered else record.record_type


def today_cards() -> list[tuple[str, dict]]:
    return today_cards_for(current_user)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        version_action_label=version_action_label,
        user_name=user_name,
        return_form=ReturnForm,
        url_for_record=record_url,
        audit_objects=audit_objects,
        record_type_label=record_type_label,
        record_summary=record_summary,
        today_cards=today_cards,
        **TEMPLATE_GLOBALS,
    )
    app.jinja_env.filters.update(distance=format_distance, tel_href=tel_href)
