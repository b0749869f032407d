from __future__ import annotations

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.forms import RequestForm, wtforms_translations
from webapp.i18n.translations import lazy_gettext as _l
from webapp.i18n.translations import ngettext
from webapp.routines.content import BREATHING_PATTERNS, OBJECTIONS, custom_pattern
from webapp.routines.core import MAX_BREATHING_SECONDS, MIN_BREATHING_SECONDS

MINUTES = (1, 3, 5)
PATTERN_CHOICES = [SelectChoice(pattern.id, pattern.name) for pattern in BREATHING_PATTERNS.values()]
MINUTE_CHOICES = [
    SelectChoice(str(m), LazyString(lambda m: ngettext("%(num)d minute", "%(num)d minutes", m), m))
    for m in MINUTES
]
WHAT_HAPPENED_MAX = 500


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _check_pattern(form, field) -> None:
    if field.data not in BREATHING_PATTERNS:
        raise ValidationError(_l("Choose one of the breathing patterns on this page."))


def _check_minutes(form, field) -> None:
    if field.data not in {str(m) for m in MINUTES}:
        raise ValidationError(_l("Choose 1, 3 or 5 minutes."))


def _phase_check(position: int):
    """Check one custom phase with content.custom_pattern, the others set to values it accepts."""

    def check(form, field) -> None:
        if form.pattern.data != "custom":
            return
        values = [4.0, 0.0, 4.0, 0.0]
        values[position] = field.data
        try:
            custom_pattern(*values)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    return check


class PatternForm(FlaskForm):
    """The pattern and length the timer runs (a GET form: choosing changes nothing on the server)."""

    class Meta:
        csrf = False
        get_translations = wtforms_translations

    pattern = SelectField(_l("Pattern"), choices=PATTERN_CHOICES, default="box", validators=[_check_pattern])
    minutes = SelectField(_l("How long"), choices=MINUTE_CHOICES, default="1", validators=[_check_minutes])
    inhale = StringField(_l("Breathe in"), default="4", filters=[_strip], validators=[_phase_check(0)])
    hold_in = StringField(_l("Hold (full)"), default="0", filters=[_strip], validators=[_phase_check(1)])
    exhale = StringField(_l("Breathe out"), default="6", filters=[_strip], validators=[_phase_check(2)])
    hold_out = StringField(_l("Hold (empty)"), default="0", filters=[_strip], validators=[_phase_check(3)])

    def chosen_pattern(self):
        """The pattern to explain: one of the named patterns, or the user's rhythm when it is valid."""
        if self.pattern.data == "custom" and not self.custom_errors():
            return custom_pattern(self.inhale.data, self.hold_in.data, self.exhale.data, self.hold_out.data)
        return BREATHING_PATTERNS.get(self.pattern.data) or BREATHING_PATTERNS["box"]

    def custom_how(self) -> str | None:
        """How to breathe the user's own rhythm, once they have chosen one that fits the bounds."""
        if self.pattern.data != "custom" or self.custom_errors():
            return None
        return self.chosen_pattern().how

    def custom_errors(self) -> list[str]:
        return [e for f in (self.inhale, self.hold_in, self.exhale, self.hold_out) for e in f.errors]


class LogForm(RequestForm):
    """Log a session breathed without the timer (or sent by the timer when the network failed)."""

    pattern = HiddenField(default="box", validators=[_check_pattern])
    minutes = HiddenField(default="1", validators=[_check_minutes])
    # Filled only by the timer's fallback: the whole seconds actually breathed.
    seconds = HiddenField(default="")

    def validate_seconds(self, field) -> None:
        if field.data in (None, ""):
            return
        # isascii: isdigit also accepts "²", which int() can't read; the length keeps int() cheap.
        number = field.data.isascii() and field.data.isdigit() and len(field.data) <= 6 and int(field.data)
        if not number or not MIN_BREATHING_SECONDS <= number <= MAX_BREATHING_SECONDS:
            raise ValidationError(_l("A session counts from one minute, up to an hour."))

    def session_seconds(self) -> int:
        return int(self.seconds.data) if self.seconds.data else int(self.minutes.data) * 60


class SetbackForm(RequestForm):
    """Step one of "Rough call? Reset": two fields, then on to breathing."""

    step = HiddenField(default="setback")
    what_happened = StringField(
        _l("What happened?"),
        filters=[_strip],
        validators=[
            DataRequired(_l("A few words are enough, like “Acme said no on price”.")),
            Length(
                max=WHAT_HAPPENED_MAX,
                message=_l("Keep it under %(max)d characters.", max=WHAT_HAPPENED_MAX),
            ),
        ],
    )
    objection = SelectField(
        _l("The objection"),
        # The same list and default as /setbacks: one setback, one way to say "none of these".
        choices=[SelectChoice(key, label) for key, label in OBJECTIONS.items()],
        default="other",
        validate_choice=False,
    )

    def validate_objection(self, field) -> None:
        # "" is what a page from before this list changed sends: stored as "other", as it was.
        if field.data not in ("", *OBJECTIONS):
            raise ValidationError(_l("Choose one from the list; “Other” is fine when none fits."))


class ResetBreatheForm(RequestForm):
    """Step two without JavaScript: "I took a minute to breathe"."""

    step = HiddenField(default="breathe")
