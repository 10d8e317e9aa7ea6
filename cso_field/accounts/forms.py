from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from cso_field.auth.forms import password_rules
from cso_field.auth.models import USERNAME_MAX_LENGTH
from cso_field.forms import BaseForm
from cso_field.roles import Role


def role_choices():
    return [SelectChoice(role.value, role.label) for role in Role]


class _AccountFields(BaseForm):
    display_name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter the person's name.")),
            Length(max=120, message=_l("A name has at most %(max)d characters.", max=120)),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=role_choices,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a role."))],
    )

    def validate_role(self, field):
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose one of the roles in the list."))


class NewAccountForm(_AccountFields):
    username = StringField(
        _l("User name"),
        description=_l("Lower-case letters, digits, dots, dashes; for example j.garcia"),
        validators=[
            DataRequired(message=_l("Enter a user name.")),
            Length(
                min=3,
                max=USERNAME_MAX_LENGTH,
                message=_l(
                    "A user name has between %(min)d and %(max)d characters.",
                    min=3,
                    max=USERNAME_MAX_LENGTH,
                ),
            ),
            Regexp(
                r"^[a-z0-9][a-z0-9._-]*$",
                message=_l("Use lower-case letters, digits, dots, dashes and underscores."),
            ),
        ],
        filters=[lambda value: value.lower() if isinstance(value, str) else value],
    )
    password = PasswordField(_l("First password"), validators=password_rules())
    submit = SubmitField(_l("Create account"))


class EditAccountForm(_AccountFields):
    is_active_account = BooleanField(_l("Account enabled"))
    new_password = PasswordField(
        _l("New password (leave empty to keep the current one)"),
        validators=[Optional(), *password_rules()[1:]],
    )
    submit = SubmitField(_l("Save changes"))
