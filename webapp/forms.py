"""The base of every POST form: CSRF (Flask-WTF) plus a server-issued `form_id`.

A double tap or a resubmitted page sends the same `form_id` twice; the first submit that
saves records it in the same transaction as its change, and any later one changes nothing.
"""

from __future__ import annotations

import uuid
from functools import cache

from babel import support
from flask import request
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from flask_wtf.form import _Auto
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import HiddenField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, ValidationError

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.i18n.translations import get_locale
from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l

# What the server says after each form the offline queue can send. Pages hand the words to the
# queue (data-offline-done), which shows the same line after it sent the form itself.
DONE_WORDS = {
    "reflect": _l("Saved. You can change it until the day ends."),
    "morning": _l("Morning done. Have a good day."),
    "intention": _l("Intention saved."),
    "setback": _l("Logged. Good to have it written down."),
    "reset": _l("Saved to your setbacks log. Add what you learned later, if you like."),
}


def _new_form_id() -> str:
    return str(uuid.uuid4())


_HIDDEN_FIELDS = Markup(
    '<input type="hidden" name="csrf_token" value="%s"><input type="hidden" name="form_id" value="%s">'
)


def hidden_fields() -> Markup:
    """The CSRF token and a fresh form_id for a hand-written POST form (one per row of a list).

    A function rather than a template macro: /today draws one per card and per follow-up, and
    a macro call cost more than the rest of its form."""
    return _HIDDEN_FIELDS % (generate_csrf(), _new_form_id())


def many_hidden_fields(count: int) -> list[Markup]:
    """`hidden_fields()` for `count` forms of one page: the token looked up once."""
    token = generate_csrf()
    return [_HIDDEN_FIELDS % (token, _new_form_id()) for _ in range(count)]


def _is_uuid(form, field) -> None:
    # The default would otherwise make up a fresh id for a POST that sent none, and a
    # resubmitted request without one would slip past the double-tap guard.
    if not field.raw_data:
        raise ValidationError(_("This form has expired; please reload the page and try again."))
    try:
        uuid.UUID(str(field.data))
    except ValueError as error:
        raise ValidationError(_("This form has expired; please reload the page and try again.")) from error


def _without_nul(formdata):
    # PostgreSQL can't store U+0000 in text (and no one types it): drop it, as clean_text does.
    return MultiDict(
        (key, value.replace("\x00", "") if isinstance(value, str) else value)
        for key, value in formdata.items(multi=True)
    )


@cache
def _wtforms_catalog(locale_name: str):
    return support.Translations.load(messages_path(), [locale_name], domain="wtforms")


def wtforms_translations(meta, form):
    """WTForms' own messages ("Not a valid choice") in the page's language, for `Meta`.

    Flask-WTF's default reads WTForms' catalog from disk again in every request that builds a
    form; the catalog never changes while the app runs, so it is read once per language."""
    return _wtforms_catalog(str(get_locale()))


class BrowserForm(FlaskForm):
    """A form a page posts: its fields come from the form body only, never from a JSON body.

    Flask-WTF would otherwise read a JSON body as the form's fields, where lists, numbers and
    nesting no HTML form can send reach the validators (a 500, not a 400).
    """

    class Meta:
        get_translations = wtforms_translations

        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                if not form.is_submitted() or not (request.form or request.files):
                    return None
                formdata = CombinedMultiDict((request.files, request.form))
            return None if formdata is None else _without_nul(formdata)


class RequestForm(BrowserForm):
    form_id = HiddenField(default=_new_form_id, validators=[DataRequired(_l("Reload the page.")), _is_uuid])

    def was_applied(self) -> bool:
        from webapp.auth.models import UsedFormId

        return db.session.get(UsedFormId, self.form_id.data) is not None

    def commit_once(self, user_id: int | None) -> bool:
        """Commit the pending change with this form's id; False (nothing saved) on a repeat."""
        from webapp.auth.models import UsedFormId

        db.session.add(UsedFormId(form_id=self.form_id.data, user_id=user_id, used_at=utcnow()))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        return True
