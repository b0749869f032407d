from __future__ import annotations

import json

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.account.forms import ImportForm
from webapp.auth.forms import DeleteAccountForm, PasswordForm, ProfileForm, ZoneSwitchForm
from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.extensions import db
from webapp.portability import ImportProblem, csv_zip, export_document, import_document

bp = Blueprint("account", __name__)


IMPORT_MAX_BYTES = 4 * 1024 * 1024


def _forms(profile=None, password=None, delete=None, import_form=None) -> dict:
    return {
        "profile": profile or ProfileForm(obj=current_user, formdata=None),
        "password": password or PasswordForm(formdata=None),
        "delete": delete or DeleteAccountForm(formdata=None),
        "import_form": import_form or ImportForm(formdata=None),
    }


def _page(status: int = 200, **forms):
    return render_template("account/account.html", **_forms(**forms)), status


@bp.get("/account")
@login_required
def account():
    return _page()


@bp.post("/account")
@login_required
def update_profile():
    form = ProfileForm()
    if not form.validate():
        return _page(400, profile=form)
    if form.was_applied():
        return redirect(url_for("account.account"))
    current_user.display_name = (form.display_name.data or "").strip()
    day_rule_changed = current_user.day_end_hour != form.day_end_hour.data
    current_user.day_end_hour = form.day_end_hour.data
    now = utcnow()
    # Both move days around: every streak and next reminder follows.
    if current_user.change_zone(form.time_zone.data, now) or day_rule_changed:
        refresh_derived(current_user, None, now)
    if form.commit_once(current_user.id):
        flash("Saved.")
    return redirect(url_for("account.account"))


@bp.post("/account/zone")
@login_required
def switch_zone():
    """The one-tap switch `/today` offers when the phone's zone differs from the account's."""
    form = ZoneSwitchForm()
    if not form.validate():
        flash(form.time_zone.errors[0] if form.time_zone.errors else "That didn't work; please reload.")
        return redirect(url_for("routines.today")), 303
    now = utcnow()
    changed = not form.was_applied() and current_user.change_zone(form.time_zone.data, now)
    if changed:
        refresh_derived(current_user, None, now)
    if changed and form.commit_once(current_user.id):
        flash(f"Your time zone is now {form.time_zone.data}.")
    return redirect(url_for("routines.today"))


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordForm()
    if not form.validate():
        return _page(400, password=form)
    if form.was_applied():
        return redirect(url_for("account.account"))
    if not current_user.check_password(form.current_password.data):
        form.current_password.errors.append("That isn't your current password.")
        return _page(400, password=form)
    current_user.set_password(form.new_password.data)
    if form.commit_once(current_user.id):
        # The new session token signs out every other device; keep this one signed in.
        login_user(current_user, remember=True)
        flash("Password changed. Other devices have been signed out.")
    return redirect(url_for("account.account"))


@bp.post("/account/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if not form.validate():
        return _page(400, delete=form)
    if not current_user.check_password(form.password.data):
        form.password.errors.append("That isn't your password, so nothing was deleted.")
        return _page(400, delete=form)
    user = current_user._get_current_object()
    logout_user()
    db.session.delete(user)
    db.session.commit()
    flash("Your account and everything in it have been deleted.")
    return redirect(url_for("pages.landing"))


@bp.get("/api/export")
@login_required
def export_json():
    response = jsonify(export_document(current_user, utcnow()))
    response.headers["Content-Disposition"] = "attachment; filename=rebound-export.json"
    return response


@bp.get("/account/export.csv.zip")
@login_required
def export_csv():
    body = csv_zip(export_document(current_user, utcnow()))
    return Response(
        body,
        mimetype="application/zip",
        headers={
            "Content-Disposition": "attachment; filename=rebound-export.zip",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/account/import")
@login_required
def import_data():
    form = ImportForm()
    if not form.validate():
        return _page(400, import_form=form)
    if form.was_applied():
        return redirect(url_for("account.account"))
    raw = form.file.data.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        form.file.errors.append("That file is larger than 4 MB; a Rebound export is much smaller.")
        return _page(413, import_form=form)
    try:
        document = json.loads(raw)
        imported = import_document(current_user, document, utcnow())
    except (UnicodeDecodeError, json.JSONDecodeError):
        db.session.rollback()
        form.file.errors.append("That file isn't JSON. Choose the .json file Rebound exported.")
        return _page(400, import_form=form)
    except ImportProblem as problem:
        db.session.rollback()
        form.file.errors.append(f"Nothing was imported. {problem}")
        return _page(400, import_form=form)
    if form.commit_once(current_user.id):
        flash(f"Imported: {', '.join(imported)}.")
    return redirect(url_for("account.account"))
