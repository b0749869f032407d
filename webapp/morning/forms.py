from __future__ import annotations

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from webapp.forms import RequestForm
from webapp.routines.core import MAX_INTENTION

AFFIRMATION_MIN = 3
AFFIRMATION_MAX = 200
TOGGLES = ("favourite", "hidden")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MorningForm(RequestForm):
    intention = TextAreaField(
        "What matters most today?",
        filters=[_strip],
        validators=[
            Length(max=MAX_INTENTION, message=f"Keep it under {MAX_INTENTION} characters; a line is plenty.")
        ],
        description="Optional. One thing you'll do or keep in mind today.",
        render_kw={"rows": 3, "maxlength": MAX_INTENTION},
    )


class AffirmationForm(RequestForm):
    text = StringField(
        "Your affirmation",
        filters=[_strip],
        validators=[
            DataRequired("Write a few words first."),
            Length(
                min=AFFIRMATION_MIN,
                max=AFFIRMATION_MAX,
                message=f"Use between {AFFIRMATION_MIN} and {AFFIRMATION_MAX} characters.",
            ),
        ],
        render_kw={"maxlength": AFFIRMATION_MAX},
    )


class ToggleForm(RequestForm):
    # `what` comes from the button pressed: each toggle form has a Favourite and a Hide button.
    what = HiddenField(validators=[AnyOf(TOGGLES, message="Choose favourite or hide.")])
    # Where to go back to: only the morning page itself, never a URL from the request.
    back = HiddenField()
