from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from webapp.auth.core import normalise_email
from webapp.extensions import db
from webapp.forms import BrowserForm, RequestForm
from webapp.i18n import language_name, languages
from webapp.i18n.translations import lazy_gettext as _l
from webapp.localday import MAX_DAY_END_HOUR, is_valid_time_zone

PASSWORD_MIN = 10
PASSWORD_MAX = 200

DAY_END_CHOICES = [SelectChoice(0, _l("Midnight"))] + [
    # NOTE: An hour after midnight, such as "1:00 am", when a user's day ends.
    SelectChoice(hour, _l("%(hour)d:00 am", hour=hour))
    for hour in range(1, MAX_DAY_END_HOUR + 1)
]


def _time_zone(form, field) -> None:
    field.data = (field.data or "").strip()
    if not is_valid_time_zone(field.data):
        raise ValidationError(
            _l("Choose a time zone from the list, such as Europe/London or America/New_York.")
        )


def _email_field():
    return EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("That email address is too long.")),
            Email(_l("Enter a valid email address, like name@company.com."), check_deliverability=False),
        ],
        filters=[lambda value: normalise_email(value) if isinstance(value, str) else value],
    )


def _new_password_field(label=_l("Password")):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "Use between %(low)d and %(high)d characters.", low=PASSWORD_MIN, high=PASSWORD_MAX
                ),
            ),
        ],
    )


class RegisterForm(RequestForm):
    email = _email_field()
    display_name = StringField(
        _l("Your first name (optional)"),
        validators=[Length(max=80, message=_l("Use at most 80 characters."))],
    )
    password = _new_password_field()
    time_zone = StringField(_l("Time zone"), default="UTC", validators=[_time_zone])

    def validate_email(self, field) -> None:
        from webapp.auth.models import User

        if db.session.scalar(db.select(User.id).filter_by(email=field.data)) is not None:
            raise ValidationError(_l("An account with this email already exists. Try signing in."))


class LoginForm(BrowserForm):
    # Signing in twice is harmless, so no form_id here; CSRF still applies.
    email = _email_field()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


def _whole_number(value) -> int:
    # An unparseable hour becomes an impossible choice, so the field says "Not a valid choice".
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _language_choices() -> list[SelectChoice]:
    # Each language by its own name, so that anyone can find theirs whatever the page is in.
    # NOTE: The account's language when none is chosen: the browser's. Short: it shares a row.
    return [SelectChoice("", _l("Automatic"))] + [
        SelectChoice(tag, language_name(tag)) for tag in languages()
    ]


class LanguageField(SelectField):
    """The account's language: one of the catalogs, or "" (follow the browser)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=_language_choices, **kwargs)

    def process_data(self, value):
        self.data = value or ""


class ProfileForm(RequestForm):
    display_name = StringField(
        _l("Name"), validators=[Length(max=80, message=_l("Use at most 80 characters."))]
    )
    time_zone = StringField(_l("Time zone"), validators=[_time_zone])
    day_end_hour = SelectField(
        _l("My day ends at"),
        choices=DAY_END_CHOICES,
        coerce=_whole_number,
        description=_l("Working late? Anything you do before this hour still counts for the day before."),
    )
    locale = LanguageField(_l("Language"))


class ZoneSwitchForm(RequestForm):
    time_zone = StringField(_l("Time zone"), validators=[_time_zone])


class PasswordForm(RequestForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new_password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class DeleteAccountForm(RequestForm):
    password = PasswordField(
        _l("Your password, to confirm"), validators=[DataRequired(_l("Enter your password to confirm."))]
    )
