from __future__ import annotations

from flask_babel.speaklater import LazyString
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, ValidationError

from webapp.forms import RequestForm
from webapp.i18n import weekday_names
from webapp.i18n.translations import lazy_gettext as _l
from webapp.reminders.forms import TIME_MESSAGE, parse_time
from webapp.support.core import CHEERS


class ShareForm(RequestForm):
    """What a supporter may see beyond the practice itself (an invite's, then the link's)."""

    show_wins = BooleanField(_l("Small wins from my reflections"))
    show_goals = BooleanField(_l("My goals and their progress"))


class LinkForm(ShareForm):
    muted = BooleanField(_l("Mute their cheers"))


class ActionForm(RequestForm):
    """A button with nothing to fill in: end a link, withdraw an invite, mark cheers seen."""


class JoinForm(RequestForm):
    decision = StringField(
        validators=[
            DataRequired(_l("Choose accept or decline.")),
            AnyOf(("accept", "decline"), _l("Choose accept or decline.")),
        ]
    )


class CheerForm(RequestForm):
    kind = StringField(
        validators=[
            DataRequired(_l("Choose a cheer.")),
            AnyOf(tuple(CHEERS), _l("Choose one of the cheers.")),
        ]
    )


def _weekday(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class WeeklyForm(RequestForm):
    weekly_on = BooleanField(_l("Send my supporters a weekly note"))
    weekday = SelectField(
        _l("Day"),
        choices=[SelectChoice(i, LazyString(lambda day: weekday_names("wide")[day], i)) for i in range(7)],
        coerce=_weekday,
    )
    at = StringField(_l("Time"))
    time_value = None

    def validate_at(self, field) -> None:
        self.time_value = parse_time(field.data)
        if self.time_value is None:
            raise ValidationError(TIME_MESSAGE)
