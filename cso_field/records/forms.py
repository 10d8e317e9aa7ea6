"""Form pieces every record form shares."""

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from cso_field.forms import BaseForm

DAMAGED_FORM = _l("This form is damaged. Reload the page and try again.")


class ClientUUIDField(HiddenField):
    """The idempotency key: made once per form, sent again with every retry of it."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label or _l("This form"), **kwargs)

    def _value(self):
        return str(self.data) if self.data else str(uuid.uuid4())

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0]:
            try:
                self.data = uuid.UUID(valuelist[0])
            except ValueError:
                raise ValueError(
                    _l("This form is damaged. Reload the page and try again.")
                ) from None

    def pre_validate(self, form):
        if self.data is None:
            raise ValidationError(DAMAGED_FORM)


class ReturnForm(BaseForm):
    comment = TextAreaField(
        _l("What needs to change"),
        validators=[
            DataRequired(message=_l("Say what the author needs to change.")),
            Length(max=2000, message=_l("At most %(max)d characters.", max=2000)),
        ],
    )
    submit = SubmitField(_l("Return for changes"))


class DeleteForm(BaseForm):
    reason = StringField(
        _l("Why delete this record?"),
        validators=[
            DataRequired(message=_l("Give the reason for deleting.")),
            Length(
                min=5,
                max=500,
                message=_l("Between %(min)d and %(max)d characters.", min=5, max=500),
            ),
        ],
    )
    submit = SubmitField(_l("Delete record"))
