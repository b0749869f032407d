from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from webapp.forms import BrowserForm, RequestForm


class ImportForm(RequestForm):
    file = FileField(
        _l("A Rebound export (.json)"), validators=[FileRequired(_l("Choose the file to import."))]
    )


class EndSessionForm(BrowserForm):
    """Signing a device out: CSRF only (ending an ended sign-in again is harmless)."""
