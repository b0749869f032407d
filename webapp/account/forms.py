from flask_wtf.file import FileField, FileRequired

from webapp.forms import BrowserForm, RequestForm


class ImportForm(RequestForm):
    file = FileField("A Rebound export (.json)", validators=[FileRequired("Choose the file to import.")])


class EndSessionForm(BrowserForm):
    """Signing a device out: CSRF only (ending an ended sign-in again is harmless)."""
