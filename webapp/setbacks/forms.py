"""Logging a setback from the page, and marking its follow-up done."""

from __future__ import annotations

import re
from datetime import date

from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.forms import RequestForm
from webapp.i18n import number
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines.content import OBJECTIONS
from webapp.routines.core import MAX_TEXT
from webapp.setbacks.models import FOLLOW_UP_OUTCOMES

TOO_LONG = _l("Please keep this under %(max)s characters; the gist is enough.", max=number(MAX_TEXT))
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _tidy(value):
    # Browsers send line breaks as CRLF; count each as one character, and drop stray spaces.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _text(label: str, *validators) -> TextAreaField:
    return TextAreaField(
        label, filters=[_tidy], validators=[*validators, Length(max=MAX_TEXT, message=TOO_LONG)]
    )


class SetbackForm(RequestForm):
    what_happened = _text(
        _l("What happened?"), DataRequired(_l("A few words are enough, like “Acme said no on price”."))
    )
    objection = SelectField(
        _l("The objection"),
        choices=[SelectChoice(key, label) for key, label in OBJECTIONS.items()],
        default="other",
        validate_choice=False,
    )
    controlled = _text(_l("What I controlled"))
    learned = _text(_l("What I learned"))
    follow_up_on = StringField(_l("Follow up on"), filters=[_tidy])

    def validate_objection(self, field) -> None:
        if field.data not in OBJECTIONS:
            raise ValidationError(_l("Choose one from the list; “Other” is fine when none fits."))

    def validate_follow_up_on(self, field) -> None:
        if not field.data:
            return
        try:
            if not ISO_DAY.fullmatch(field.data):
                raise ValueError
            date.fromisoformat(field.data)
        except ValueError:
            raise ValidationError(_l("Use a date like 2026-03-09, or leave it empty.")) from None

    def payload(self) -> dict:
        """What `record_setback` takes (the moment it happened is now)."""
        return {
            "what_happened": self.what_happened.data,
            "objection": self.objection.data,
            "controlled": self.controlled.data,
            "learned": self.learned.data,
            "follow_up_on": self.follow_up_on.data or None,
        }


class FollowedUpForm(RequestForm):
    """One tap: "I followed up on this one", with what came of it (won back, still no, no answer)."""

    # Empty is allowed: "I followed up" without saying how it went (the outcome can follow).
    outcome = StringField(_l("What came of it"), filters=[_tidy])
    # Where to go afterwards: back to the page the button was on (a fixed set, never a URL).
    back = StringField(filters=[_tidy])

    def validate_outcome(self, field) -> None:
        if field.data and field.data not in FOLLOW_UP_OUTCOMES:
            raise ValidationError(_l("Choose won back, still no or no answer."))
