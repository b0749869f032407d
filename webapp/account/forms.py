from flask_wtf.file import FileField, FileRequired

from webapp.forms import RequestForm


class ImportForm(RequestForm):
    file = FileField("A Rebound export (.json)", validators=[FileRequired("Choose the file to import.")])
