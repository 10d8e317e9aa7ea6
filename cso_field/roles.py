"""Who may do what: the staff roles, and the decorators that give every view its access rule.

A view declares its rule with @public, @staff (any signed-in role) or @roles(...);
`cso_field.access` enforces the rules in one place, with a default of deny.
"""

from collections.abc import Callable
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    CSO = "cso"
    SENIOR_CSO = "senior_cso"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.CSO: _l("Community Service Officer"),
    Role.SENIOR_CSO: _l("Senior CSO"),
    Role.ADMIN: _l("Administrator"),
}
ALL_ROLES = frozenset(Role)
SUPERVISORS = frozenset({Role.SENIOR_CSO, Role.ADMIN})

PUBLIC = "public"
ACCESS_ATTRIBUTE = "_access_rule"


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def roles(*allowed: Role) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTRIBUTE, frozenset(allowed))
        return view

    return decorate


staff = roles(*ALL_ROLES)
