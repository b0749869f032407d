from __future__ import annotations

import re
from datetime import time

from flask_babel.speaklater import LazyString
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.forms import RequestForm
from webapp.i18n import weekday_names
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines.core import ROUTINE_LABELS, ROUTINES

# Monday first, each in the reader's language when shown (Babel's day names: no catalog entry).
DAY_LABELS = tuple(LazyString(lambda day: weekday_names("wide")[day], day) for day in range(7))
MAX_PAUSE_DAYS = 366
# What an <input type="time"> sends ("08:00", "08:00:00" with a step), and "8:00" typed by hand
# where the browser shows a plain text box.
TIME_PATTERN = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
TIME_MESSAGE = _l("Enter a time as hours and minutes, like 08:00 or 18:30.")


def parse_time(text: str | None) -> time | None:
    """A local wall-clock time from "HH:MM" (seconds, when sent, are dropped); None when it isn't one."""
    match = TIME_PATTERN.fullmatch((text or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59 or (match[3] is not None and int(match[3]) > 59):
        return None
    return time(hour, minute)


def _day_number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def days_field() -> SelectMultipleField:
    return SelectMultipleField(
        _l("Days it's on"),
        choices=[SelectChoice(i, label) for i, label in enumerate(DAY_LABELS)],
        coerce=_day_number,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )


def _read_time(form, field) -> None:
    # Shared by the one-routine form and each row of the whole page's form.
    if not (field.data or "").strip():
        raise ValidationError(_l("Choose a time, like 08:00."))
    form.time_value = parse_time(field.data)
    if form.time_value is None:
        raise ValidationError(TIME_MESSAGE)


class DaysForm(RequestForm):
    routine = SelectField(choices=[SelectChoice(r, ROUTINE_LABELS[r]) for r in ROUTINES])
    days = days_field()


class RoutineRow(Form):
    """One routine's row of /reminders: its reminder time and switch, and the days it is on."""

    reminder_time = StringField(_l("Reminder time"))
    reminder_on = BooleanField(_l("Remind me"))
    days = days_field()

    time_value: time | None = None

    def validate_reminder_time(self, field) -> None:
        _read_time(self, field)


class ReminderSettingsForm(RequestForm):
    """/reminders as one form: a row per routine (fields `morning-reminder_time`, `morning-days`...),
    saved together with one button, or not at all."""

    def rows(self):
        return [(routine, self[routine]) for routine in ROUTINES]


for _routine in ROUTINES:
    setattr(ReminderSettingsForm, _routine, FormField(RoutineRow, label=ROUTINE_LABELS[_routine]))


class ReminderForm(RequestForm):
    routine = SelectField(choices=[SelectChoice(r, ROUTINE_LABELS[r]) for r in ROUTINES])
    reminder_time = StringField(_l("Reminder time"))
    reminder_on = BooleanField(_l("Remind me"))

    # The time read by validate(); None until the form is valid.
    time_value: time | None = None

    def validate_reminder_time(self, field) -> None:
        _read_time(self, field)


class PauseForm(RequestForm):
    routine = SelectField(
        _l("Routine"),
        choices=[SelectChoice("all", _l("All routines"))]
        + [SelectChoice(r, ROUTINE_LABELS[r]) for r in ROUTINES],
    )
    starts_on = DateField(_l("From"), validators=[InputRequired(_l("Choose the first day of the pause."))])
    ends_on = DateField(
        _l("To (the last paused day)"), validators=[InputRequired(_l("Choose the last day of the pause."))]
    )

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data:
            if field.data < self.starts_on.data:
                raise ValidationError(_l("The pause ends before it starts."))
            if (field.data - self.starts_on.data).days >= MAX_PAUSE_DAYS:
                raise ValidationError(_l("A pause can last up to a year."))


class RemovePauseForm(RequestForm):
    pass


class RemoveDeviceForm(RequestForm):
    pass


class TestPushForm(RequestForm):
    pass
