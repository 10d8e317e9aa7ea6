"""Form base class and validators shared by every form in the app."""

import re
import unicodedata
from functools import cache

import wtforms.widgets.core
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import MultiDict
from wtforms import FileField, PasswordField, StringField, TextAreaField
from wtforms import IntegerField as _IntegerField
from wtforms.validators import ValidationError

# WTForms 3.3 reads render_option's signature (inspect.signature) every time it renders a
# <select>, to pick a calling convention; a method's signature never changes, so it is read once.
wtforms.widgets.core.get_signature = cache(wtforms.widgets.core.get_signature)

# C0 and C1 control characters; tab, newline and carriage return are allowed only in text areas.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def no_control_characters(form, field) -> None:
    if not isinstance(field.data, str):
        return
    pattern = _CONTROL if isinstance(field, TextAreaField) else _CONTROL_SINGLE_LINE
    if pattern.search(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


class IntegerField(_IntegerField):
    """WTForms' IntegerField, but a number too large for NumberRange to compare (it converts
    to float: an OverflowError, a 500) is kept just out of any range, so it gets the field's
    ordinary message. Use it for every whole number a form takes."""

    LIMIT = 10**15

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > self.LIMIT:
            self.data = self.LIMIT if self.data > 0 else -self.LIMIT


class BaseForm(FlaskForm):
    """Every text field refuses control characters and arrives NFC-normalised."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """The posted fields, with only text for text fields.

            A file sent in a text field, or a JSON number, list or object, counts as not sent
            (so a required field gets its own message, e.g. "Enter the person's name.")
            instead of crashing a validator that expects a string.
            """
            if formdata is not _Auto:
                return formdata
            if not _is_submitted():
                return None
            if request.form or request.files:
                kept = MultiDict(request.form.items(multi=True))
                file_fields = {field.name for field in form if isinstance(field, FileField)}
                for name, upload in request.files.items(multi=True):
                    if name in file_fields:
                        kept.add(name, upload)
                return kept
            if request.is_json:
                payload = request.get_json(silent=True)
                kept = MultiDict()
                for name, value in payload.items() if isinstance(payload, dict) else ():
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            kept.add(name, item)
                return kept
            return None

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
