"""What Neighborhood Watch adds to District numbers (sign-ups by source) and to exports (the
sign-ups: residents' names and how to reach them, marked so the profiles withhold them)."""

from flask_babel import lazy_gettext as _l

from cso_field.exports.fields import list_filters, list_rows, record_fields
from cso_field.neighborhood_watch.models import SignupSource, WatchSignup
from cso_field.records import registry
from cso_field.records.registry import (
    DistrictFigures,
    ExportField,
    ExportSource,
    Figure,
    Personal,
    Tally,
)
from cso_field.timeutil import department_day

COLUMNS = ("created_at", "district_id", "source")
SOURCE_LABELS = {
    SignupSource.ONLINE.value: _l("Online"),
    SignupSource.CANVASS.value: _l("At the door"),
}


def signup_tally(signup) -> list[Tally]:
    return [
        Tally("watch_signup", department_day(signup.created_at), signup.district_id, signup.source)
    ]


FIELDS = (
    *record_fields(WatchSignup),
    ExportField("name", lambda signup: signup.name, Personal.NAME),
    ExportField("phone", lambda signup: signup.phone, Personal.PHONE),
    ExportField("email", lambda signup: signup.email, Personal.EMAIL),
    ExportField("language", lambda signup: signup.language),
    ExportField("willing_host", lambda signup: signup.willing_host),
    ExportField("willing_captain", lambda signup: signup.willing_captain),
    ExportField("source", lambda signup: signup.source),
    ExportField("member_id", lambda signup: signup.member_id),
    ExportField("dismissed_at", lambda signup: signup.dismissed_at),
)


def register_reports() -> None:
    registry.register_district_figures(
        DistrictFigures(
            name="watch_signups",
            figures=(Figure("watch_signup", _l("Neighborhood Watch sign-ups"), SOURCE_LABELS),),
            model=WatchSignup,
            columns=COLUMNS,
            tally=signup_tally,
            order=60,
        )
    )
    registry.register_export(
        ExportSource(
            name="watch_signups",
            label=_l("Neighborhood Watch sign-ups"),
            list_endpoint="neighborhood_watch.signups",
            fields=FIELDS,
            rows=lambda args: list_rows(WatchSignup, args),
            filters=list_filters,
        )
    )
