"""The evening reflection form: five short answers and a mood, all optional but not all empty."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length, ValidationError

from webapp.forms import RequestForm
from webapp.i18n import number
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines.core import MAX_TEXT, REFLECTION_FIELDS

# NOTE: The five moods of the evening reflection, from 1 (worst) to 5.
MOODS: dict[int, str] = {1: _l("Rough"), 2: _l("Low"), 3: _l("Steady"), 4: _l("Good"), 5: _l("Strong")}

MOOD_MESSAGE = _l("Choose one of the five moods, or leave it blank.")
TOO_LONG = _l("Please keep this under %(max)s characters; a few lines are plenty.", max=number(MAX_TEXT))


def _mood(value) -> int | None:
    # An unpicked mood arrives as nothing or as ""; anything else must be one of the five.
    if value in (None, ""):
        return None
    return int(value)


# The five answers, in the order the page asks them.
LABELS: dict[str, str] = {
    "went_well": _l("What went well"),
    "didnt_go_well": _l("What didn't go well"),
    "learned": _l("What I learned"),
    "reframe": _l("A reframe"),
    "small_win": _l("A small win to celebrate"),
}


def _one_newline(value):
    # Browsers send a textarea's line breaks as CRLF; count each as the one character it looks like.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _answer(name: str) -> TextAreaField:
    return TextAreaField(
        LABELS[name], validators=[Length(max=MAX_TEXT, message=TOO_LONG)], filters=[_one_newline]
    )


class ReflectionForm(RequestForm):
    went_well = _answer("went_well")
    didnt_go_well = _answer("didnt_go_well")
    learned = _answer("learned")
    reframe = _answer("reframe")
    small_win = _answer("small_win")
    mood = RadioField(
        _l("How was today?"),
        choices=[SelectChoice(number, word) for number, word in MOODS.items()],
        coerce=_mood,
        validate_choice=False,
        invalid_value_message=MOOD_MESSAGE,
    )

    def validate_mood(self, field) -> None:
        if field.data is not None and field.data not in MOODS:
            raise ValidationError(MOOD_MESSAGE)

    def is_empty(self) -> bool:
        """Nothing written and no mood picked: there is nothing to save."""
        return self.mood.data is None and not any(
            (self[name].data or "").strip() for name in REFLECTION_FIELDS
        )

    def completion_data(self) -> dict:
        """The `reflect` routine's data, as the API takes it."""
        data: dict = {name: (self[name].data or "").strip() for name in REFLECTION_FIELDS}
        data["mood"] = self.mood.data
        return data
