from flask_wtf.file import FileField, FileRequired

from webapp.forms import BrowserForm, RequestForm
from webapp.i18n.translations import lazy_gettext as _l


class ImportForm(RequestForm):
    file = FileField(
        _l("A Rebound export (.json)"), validators=[FileRequired(_l("Choose the file to import."))]
    )


class EndSessionForm(BrowserForm):
    """Signing a device out: CSRF only (ending an ended sign-in again is harmless)."""
