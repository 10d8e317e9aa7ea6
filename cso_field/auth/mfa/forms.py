from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from cso_field.forms import BaseForm
from cso_field.roles import Role

CODE_MAX_LENGTH = 20


def code_field(label=None):
    return StringField(
        label or _l("Code"),
        description=_l("The 6 digits your authenticator app shows, or a recovery code."),
        validators=[
            DataRequired(message=_l("Enter the code.")),
            Length(max=CODE_MAX_LENGTH, message=_l("That is too long for a code.")),
        ],
    )


class CodeForm(BaseForm):
    """The sign-in's second step with a code; the field is named `code`."""

    code = code_field()
    trust = BooleanField(_l("Trust this phone for my shift"))
    submit = SubmitField(_l("Sign in"))


class StepUpForm(BaseForm):
    code = code_field()
    next = HiddenField()
    submit = SubmitField(_l("Confirm"))


class PasskeyForm(BaseForm):
    """A passkey's answer from the browser (JSON, filled in by static/js/passkey.js)."""

    credential = HiddenField(validators=[DataRequired(), Length(max=20_000)])
    trust = BooleanField(_l("Trust this phone for my shift"))
    next = HiddenField()


class NewPasskeyForm(BaseForm):
    credential = HiddenField(validators=[DataRequired(), Length(max=20_000)])
    name = StringField(
        _l("Name of this passkey"),
        default="",
        validators=[Length(max=60, message=_l("Use at most 60 characters."))],
    )


class TotpEnrolForm(BaseForm):
    secret = HiddenField(validators=[DataRequired(), Length(max=64)])
    code = StringField(
        _l("Code from the app"),
        description=_l("Type the 6 digits the app shows now."),
        validators=[
            DataRequired(message=_l("Enter the code.")),
            Length(max=CODE_MAX_LENGTH, message=_l("That is too long for a code.")),
        ],
    )
    submit = SubmitField(_l("Turn on"))


class PolicyForm(BaseForm):
    roles = SelectMultipleField(
        _l("Roles that must use a second factor"),
        choices=[SelectChoice(role.value, role.label) for role in Role],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )
    cso_from = DateField(
        _l("Community Service Officers must use one from"),
        description=_l("Leave empty to decide later. Until then, Today shows them the date."),
        validators=[Optional()],
    )
    passkey_alone = BooleanField(_l("A passkey alone signs in (no user name or password)"))
    submit = SubmitField(_l("Save policy"))
