from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from cso_field.auth.models import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH
from cso_field.forms import BaseForm
from cso_field.i18n import INTERFACE_LANGUAGES


def password_rules():
    return [
        DataRequired(message=_l("Enter a password.")),
        Length(
            min=PASSWORD_MIN_LENGTH,
            max=PASSWORD_MAX_LENGTH,
            message=_l(
                "Use between %(min)d and %(max)d characters. A few unrelated words make a "
                "strong password that is easy to type.",
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
            ),
        ),
    ]


def password_length_limit():
    return Length(
        max=PASSWORD_MAX_LENGTH,
        message=_l("A password has at most %(max)d characters.", max=PASSWORD_MAX_LENGTH),
    )


def username_rules():
    return [
        DataRequired(message=_l("Enter your user name.")),
        Length(
            max=USERNAME_MAX_LENGTH,
            message=_l("A user name has at most %(max)d characters.", max=USERNAME_MAX_LENGTH),
        ),
    ]


class LoginForm(BaseForm):
    username = StringField(_l("User name"), validators=username_rules())
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), password_length_limit()],
    )
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(message=_l("Enter your current password.")),
            password_length_limit(),
        ],
    )
    new_password = PasswordField(_l("New password"), validators=password_rules())
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new_password", message=_l("The two new passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class LanguageForm(BaseForm):
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice(language.code, language.name) for language in INTERFACE_LANGUAGES.values()
        ],
        validate_choice=False,
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save language"))

    def validate_locale(self, field):
        if field.data not in INTERFACE_LANGUAGES:
            raise ValidationError(_l("Choose one of the languages in the list."))
