"""Who may do what: the staff roles, and the decorators that give every view its access rule.

A view declares its rule with @public, @staff (any signed-in role) or @roles(...);
`cso_field.access` enforces the rules in one place, with a default of deny.
"""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from cso_field.i18n import LabelledEnum


class Role(LabelledEnum):
    CSO = "cso", _l("Community Service Officer")
    SENIOR_CSO = "senior_cso", _l("Senior CSO")
    ADMIN = "admin", _l("Administrator")


ALL_ROLES = frozenset(Role)
SUPERVISORS = frozenset({Role.SENIOR_CSO, Role.ADMIN})
# Who works in the field (a post, a patrol): not an administrator's account.
FIELD_ROLES = frozenset({Role.CSO, Role.SENIOR_CSO})

PUBLIC = "public"
ACCESS_ATTRIBUTE = "_access_rule"


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:  # not a staff role, e.g. "cli" for the command line
        return role


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def roles(*allowed: Role) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTRIBUTE, frozenset(allowed))
        return view

    return decorate


staff = roles(*ALL_ROLES)
