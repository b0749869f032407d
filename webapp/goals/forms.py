from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import NumberInput

from webapp.forms import RequestForm
from webapp.goals.core import MAX_NAME, MAX_TARGET, MIN_TARGET, clean_target
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines.core import MAX_TEXT, InvalidInput

KIND_CHOICES = [
    SelectChoice("activity", _l("Activity: you control it (calls, follow-ups, demos, no's collected)")),
    SelectChoice("outcome", _l("Outcome: you influence it (meetings booked, deals won)")),
]
# NOTE: A goal's period, after "Per": per "a day" or "a week".
PERIOD_CHOICES = [SelectChoice("day", _l("a day")), SelectChoice("week", _l("a week"))]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _whole_target(form, field) -> None:
    try:
        field.data = clean_target(field.raw_data[0] if field.raw_data else field.data)
    except InvalidInput as problem:
        raise ValidationError(problem.message) from problem


def _one_of(name: str):
    allowed = {"period": PERIOD_CHOICES, "kind": KIND_CHOICES}[name]

    def check(form, field) -> None:
        if field.data not in {choice.value for choice in allowed}:
            raise ValidationError(
                _l("Choose a day or a week.") if name == "period" else _l("Choose activity or outcome.")
            )

    return check


def _name_field():
    return StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the goal a short name, like Calls.")),
            Length(max=MAX_NAME, message=_l("Keep the name to %(max)d characters or fewer.", max=MAX_NAME)),
        ],
        filters=[_strip],
    )


def _target_field():
    return StringField(
        _l("Target"),
        widget=NumberInput(min=MIN_TARGET, max=MAX_TARGET),
        validators=[_whole_target],
    )


def _period_field():
    return SelectField(
        # NOTE: A goal's period: "per" a day or a week.
        _l("Per"),
        choices=PERIOD_CHOICES,
        default="day",
        validate_choice=False,
        validators=[_one_of("period")],
    )


class GoalForm(RequestForm):
    """A new goal (the one-tap starters send the same fields)."""

    name = _name_field()
    kind = RadioField(
        _l("What kind of goal"),
        choices=KIND_CHOICES,
        default="activity",
        validate_choice=False,
        validators=[_one_of("kind")],
    )
    target = _target_field()
    period = _period_field()


class EditGoalForm(RequestForm):
    name = _name_field()
    target = _target_field()
    period = _period_field()


class GoalActionForm(RequestForm):
    """+1 and archive: nothing to fill in, only the form's id."""


class DailyReviewForm(RequestForm):
    """Today's amounts; one `amount-<goal id>` box per goal, read by the view."""


class WeeklyReviewForm(RequestForm):
    """The look back at a week; one `target-<goal id>` box per goal, read by the view."""

    week = HiddenField()
    helped = TextAreaField(
        _l("What helped this week"),
        validators=[Length(max=MAX_TEXT, message=_l("Keep it under %(max)d characters.", max=MAX_TEXT))],
        filters=[_strip],
    )
    change = TextAreaField(
        _l("What to change next week"),
        validators=[Length(max=MAX_TEXT, message=_l("Keep it under %(max)d characters.", max=MAX_TEXT))],
        filters=[_strip],
    )
