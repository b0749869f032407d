from __future__ import annotations

from datetime import time

from wtforms import BooleanField, StringField
from wtforms.validators import Length, ValidationError

from webapp.forms import RequestForm
from webapp.i18n.translations import lazy_gettext as _l
from webapp.reminders.forms import TIME_MESSAGE, days_field, parse_time


class NameStep(RequestForm):
    display_name = StringField(
        _l("What should Rebound call you?"),
        validators=[Length(max=80, message=_l("Use at most 80 characters."))],
    )


class DaysStep(RequestForm):
    days = days_field()

    def validate_days(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Pick at least one day. You can change them any time."))


def _time_check(form, field) -> None:
    value = parse_time(field.data)
    if value is None:
        raise ValidationError(
            TIME_MESSAGE if (field.data or "").strip() else _l("Choose a time, like 08:00.")
        )
    form.times[field.name] = value


class TimesStep(RequestForm):
    morning_time = StringField(_l("Morning"), validators=[_time_check])
    evening_time = StringField(_l("Evening"), validators=[_time_check])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times: dict[str, time] = {}


class RemindersStep(RequestForm):
    reminders_on = BooleanField(_l("Send me these two reminders"))
