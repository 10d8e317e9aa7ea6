"""Settings an admin can change in the app, with defaults for when they have not.

Each feature registers its own settings and their defaults with `register_defaults()`.
"""

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db

DEFAULTS: dict[str, object] = {}


def register_defaults(defaults: dict[str, object]) -> None:
    DEFAULTS.update(defaults)


class Setting(db.Model):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


def get_setting(key: str):
    stored = db.session.get(Setting, key)
    return stored.value if stored is not None else DEFAULTS[key]


def set_setting(key: str, value) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    stored = db.session.get(Setting, key)
    if stored is None:
        db.session.add(Setting(key=key, value=value))
    else:
        stored.value = value
