"""The navigation bar: a bottom bar on phones, a top bar on wide screens."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cso_field.roles import ALL_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    roles: frozenset


NAV_ITEMS: list[NavItem] = [
    NavItem("main.today", _l("Today"), "today", ALL_ROLES),
    NavItem("main.new_record", _l("New"), "new", ALL_ROLES),
    NavItem("search.index", _l("Search"), "search", ALL_ROLES),
    NavItem("accounts.index", _l("Accounts"), "people", frozenset({Role.SENIOR_CSO, Role.ADMIN})),
    NavItem("audit.index", _l("Audit"), "audit", frozenset({Role.SENIOR_CSO, Role.ADMIN})),
    NavItem("main.menu", _l("Menu"), "menu", ALL_ROLES),
]


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if current_user.role in item.roles]
