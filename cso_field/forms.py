"""Form base class and validators shared by every form in the app."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

# C0 and C1 control characters; tab, newline and carriage return are allowed only in text areas.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def no_control_characters(form, field) -> None:
    if not isinstance(field.data, str):
        return
    pattern = _CONTROL if isinstance(field, TextAreaField) else _CONTROL_SINGLE_LINE
    if pattern.search(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


class BaseForm(FlaskForm):
    """Every text field refuses control characters and arrives NFC-normalised."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField | PasswordField):
                options["validators"] = [
                    no_control_characters,
                    *unbound_field.kwargs.get("validators", ()),
                    *options.get("validators", ()),
                ]
                if unbound_field.field_class is not PasswordField:
                    filters = [*unbound_field.kwargs.get("filters", ()), _normalise]
                    options["filters"] = filters
            return unbound_field.bind(form=form, **options)


def _normalise(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    return value


def input_attributes(form_field, **attributes) -> dict:
    """HTML attributes for a field's input, with its hint and error tied in by ARIA."""
    described_by = [
        f"{form_field.id}-{part}"
        for part, present in (("hint", form_field.description), ("error", form_field.errors))
        if present
    ]
    attributes["aria-describedby"] = " ".join(described_by) or None
    attributes["aria-invalid"] = "true" if form_field.errors else None
    return {name: value for name, value in attributes.items() if value not in (None, False)}
