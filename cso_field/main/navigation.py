"""The navigation bar: a bottom bar on phones, a top bar on wide screens.

Record-type packages add their own entries (New, Search) with `add_nav_item`.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cso_field.access import ALL_ROLES
from cso_field.auth.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    roles: frozenset
    order: int


NAV_ITEMS: list[NavItem] = [
    NavItem("main.today", _l("Today"), "today", ALL_ROLES, 10),
    NavItem("main.new_record", _l("New"), "new", ALL_ROLES, 20),
    NavItem("search.index", _l("Search"), "search", ALL_ROLES, 30),
    NavItem(
        "accounts.index", _l("Accounts"), "people", frozenset({Role.SENIOR_CSO, Role.ADMIN}), 70
    ),
    NavItem("audit.index", _l("Audit"), "audit", frozenset({Role.SENIOR_CSO, Role.ADMIN}), 80),
    NavItem("main.menu", _l("Menu"), "menu", ALL_ROLES, 90),
]


def add_nav_item(item: NavItem) -> None:
    NAV_ITEMS.append(item)
    NAV_ITEMS.sort(key=lambda nav_item: nav_item.order)


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if current_user.role in item.roles]
