"""The form a CSO sends from a check's page: an outcome button, and optional notes and photos."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, Length

from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import LocationFields
from cso_field.special_checks.models import VisitOutcome

NOTES_MAX = 2000


class VisitForm(LocationFields):
    # The position is filled in by the page; a visit without one is still worth recording.
    location_required = False

    client_uuid = ClientUUIDField()
    outcome = StringField(
        _l("What did you find?"),
        validators=[
            AnyOf(
                [outcome.value for outcome in VisitOutcome],
                message=_l("Tap one of the buttons to say what you found."),
            )
        ],
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        validators=[
            Length(max=NOTES_MAX, message=_l("At most %(max)d characters.", max=NOTES_MAX))
        ],
    )
