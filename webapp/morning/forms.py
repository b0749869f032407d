from __future__ import annotations

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from webapp.forms import RequestForm
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines.core import MAX_INTENTION

AFFIRMATION_MIN = 3
AFFIRMATION_MAX = 200
TOGGLES = ("favourite", "hidden")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MorningForm(RequestForm):
    intention = TextAreaField(
        _l("What matters most today?"),
        filters=[_strip],
        validators=[
            Length(
                max=MAX_INTENTION,
                message=_l("Keep it under %(max)d characters; a line is plenty.", max=MAX_INTENTION),
            )
        ],
        description=_l("Optional. One thing you'll do or keep in mind today."),
        render_kw={"rows": 3, "maxlength": MAX_INTENTION},
    )


class AffirmationForm(RequestForm):
    text = StringField(
        _l("Your affirmation"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Write a few words first.")),
            Length(
                min=AFFIRMATION_MIN,
                max=AFFIRMATION_MAX,
                message=_l(
                    "Use between %(low)d and %(high)d characters.", low=AFFIRMATION_MIN, high=AFFIRMATION_MAX
                ),
            ),
        ],
        render_kw={"maxlength": AFFIRMATION_MAX},
    )


class ToggleForm(RequestForm):
    # `what` comes from the button pressed: each toggle form has a Favourite and a Hide button.
    what = HiddenField(validators=[AnyOf(TOGGLES, message=_l("Choose favourite or hide."))])
    # Where to go back to: only the morning page itself, never a URL from the request.
    back = HiddenField()
