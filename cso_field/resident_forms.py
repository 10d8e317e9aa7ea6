"""What every resident form shares: field messages in the resident's words (context
"resident"), the phone and email rules, the idempotency key, the choice field, and the Meta
that swaps the shared control-character rule for its resident wording.

Resident forms are validated inside `resident_language()`, so every message comes back in
the resident's language. Each record type's public form uses these (special checks,
community programs), so a rule changed here changes on every resident form.
"""

import re

from flask_babel import lazy_pgettext, pgettext
from wtforms import SelectField
from wtforms.validators import ValidationError

from cso_field.forms import BaseForm, no_control_characters
from cso_field.mail import normalized_address
from cso_field.records.forms import ClientUUIDField

DAMAGED = lazy_pgettext("resident", "This form is damaged. Reload the page and try again.")
NOT_A_CHOICE = lazy_pgettext("resident", "Choose one of the options.")
_PHONE = re.compile(r"^[0-9+()./\- ]+(\s*(x|ext\.?|#)\s*[0-9]{1,6})?$", re.IGNORECASE)
PHONE_DIGITS = (7, 20)


def resident_no_control_characters(form, field) -> None:
    try:
        no_control_characters(form, field)
    except ValidationError:
        raise ValidationError(
            pgettext("resident", "Remove the invisible control characters from this field.")
        ) from None


def phone_number(form, field) -> None:
    if not field.data:
        return
    digits = sum(character.isdigit() for character in field.data)
    if not _PHONE.match(field.data) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ValidationError(
            pgettext("resident", "Enter a phone number with its area code, e.g. 209-555-0123.")
        )


def email_address(form, field) -> None:
    """One real address (cso_field.mail's rules): no lists, no local mailboxes."""
    if field.data and normalized_address(field.data) is None:
        raise ValidationError(pgettext("resident", "Enter an email address like name@example.com."))


class ResidentClientUUIDField(ClientUUIDField):
    """The idempotency key, with its message in the resident's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DAMAGED) from None

    def pre_validate(self, form):
        if self.data is None:
            raise ValidationError(DAMAGED)


class ResidentSelectField(SelectField):
    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(NOT_A_CHOICE)


class ResidentMeta(BaseForm.Meta):
    """Field messages in the resident's words, also for the shared validators."""

    def bind_field(self, form, unbound_field, options):
        bound = super().bind_field(form, unbound_field, options)
        bound.validators = [
            resident_no_control_characters if rule is no_control_characters else rule
            for rule in bound.validators
        ]
        return bound
