from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from cso_field.records.forms import ClientUUIDField
from cso_field.records.location import LocationFields

OBSERVATION_MAX = 5000


class FieldNoteForm(LocationFields):
    observation = TextAreaField(
        _l("What did you observe?"),
        validators=[
            DataRequired(message=_l("Write what you observed.")),
            Length(
                max=OBSERVATION_MAX, message=_l("At most %(max)d characters.", max=OBSERVATION_MAX)
            ),
        ],
    )
    save = SubmitField(_l("Save changes"))

    def content(self) -> dict:
        return {
            "observation": self.observation.data,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "accuracy_m": self.accuracy_m.data,
            "address": self.address.data or None,
        }


class NewFieldNoteForm(FieldNoteForm):
    client_uuid = ClientUUIDField()
    submit = SubmitField(_l("Submit note"))
    save_draft = SubmitField(_l("Save as draft"))
