from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

from webapp.forms import RequestForm
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines.core import ROUTINES


class RoutineDayForm(RequestForm):
    """One tap on a routine card of /today: undo today's "done", or count it for yesterday."""

    routine = HiddenField(
        validators=[
            DataRequired(_l("Choose a routine.")),
            AnyOf(ROUTINES, message=_l("That isn't one of your routines. Please reload the page.")),
        ]
    )
