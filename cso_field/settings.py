"""Settings an admin can change in the app, with defaults for when they have not."""

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db

DEFAULTS = {
    "check_min_lead_days": 1,
    "check_max_length_days": 30,
    "check_stale_after_days": 3,
    "check_summary_shows_officer_names": False,
}


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
