"""Template helpers for record pages."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from cso_field.auth.models import User
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.records.forms import ReturnForm

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
    user = db.session.get(User, user_id)
    return user.display_name if user else "—"


def district_name(district_id: int) -> str:
    district = db.session.get(District, district_id)
    return district.name if district else "—"


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        version_action_label=version_action_label,
        user_name=user_name,
        district_name=district_name,
        return_form=ReturnForm,
    )
