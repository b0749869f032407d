from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from webapp.account.forms import EndSessionForm, ImportForm
from webapp.auth import sessions, throttle
from webapp.auth.forms import DeleteAccountForm, PasswordForm, ProfileForm, ZoneSwitchForm
from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.extensions import db
from webapp.i18n import refresh_language
from webapp.i18n.translations import gettext as _
from webapp.localday import zone_names
from webapp.portability import ImportProblem, csv_zip, export_document, import_document, read_document

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
    return render_template(
        "account/account.html",
        zones=zone_names(),
        devices=sessions.devices(current_user, utcnow()),
        zone=ZoneInfo(current_user.time_zone),
        end_session=EndSessionForm(formdata=None),
        **_forms(**forms),
    ), status


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
    current_user.locale = form.locale.data or None
    refresh_language()  # the flash below is already in the language just chosen
    now = utcnow()
    # Both move days around: every streak and next reminder follows.
    if current_user.change_zone(form.time_zone.data, now) or day_rule_changed:
        refresh_derived(current_user, None, now)
    if form.commit_once(current_user.id):
        flash(_("Saved."))
    return redirect(url_for("account.account"))


@bp.post("/account/zone")
@login_required
def switch_zone():
    """The one-tap switch `/today` offers when the phone's zone differs from the account's."""
    form = ZoneSwitchForm()
    if not form.validate():
        flash(form.time_zone.errors[0] if form.time_zone.errors else _("That didn't work; please reload."))
        return redirect(url_for("routines.today")), 303
    now = utcnow()
    changed = not form.was_applied() and current_user.change_zone(form.time_zone.data, now)
    if changed:
        refresh_derived(current_user, None, now)
    if changed and form.commit_once(current_user.id):
        flash(_("Your time zone is now %(zone)s.", zone=form.time_zone.data))
    return redirect(url_for("routines.today"))


def _password_checked(field, wrong: str) -> int | None:
    """Check the current password in `field` as a sign-in would: the try is claimed in the
    account's slow-down first. None when right; else the status, with the message on the field."""
    now = utcnow()
    wait = throttle.claim_try(current_user.email, now)
    if wait:
        field.errors.append(throttle.wait_message(wait))
        return 429
    if not throttle.check_password(current_user, field.data):
        field.errors.append(wrong)
        return 400
    throttle.succeeded(current_user.email)
    return None


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordForm()
    if not form.validate():
        return _page(400, password=form)
    if form.was_applied():
        return redirect(url_for("account.account"))
    refused = _password_checked(form.current_password, _("That isn't your current password."))
    if refused:
        return _page(refused, password=form)
    current_user.set_password(form.new_password.data)
    # Whoever knew the old password is signed out everywhere else; this device stays.
    sessions.end_all(current_user.id, keep=current_user.sign_in.id)
    if form.commit_once(current_user.id):
        flash(_("Password changed. Other devices have been signed out."))
    return redirect(url_for("account.account"))


@bp.post("/account/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if not form.validate():
        return _page(400, delete=form)
    refused = _password_checked(form.password, _("That isn't your password, so nothing was deleted."))
    if refused:
        return _page(refused, delete=form)
    user = current_user._get_current_object()
    logout_user()
    db.session.delete(user)
    db.session.commit()
    sessions.forget_this_device()
    flash(_("Your account and everything in it have been deleted."))
    return redirect(url_for("pages.landing"))


@bp.post("/account/sessions/<int:sign_in_id>/end")
@login_required
def end_session(sign_in_id: int):
    """Sign out one device from the list (this one too, like signing out)."""
    form = EndSessionForm()
    if not form.validate():
        abort(400, _("This form has expired. Please reload the page and try again."))
    this_device = sign_in_id == current_user.sign_in.id
    if not sessions.end(sign_in_id, current_user.id) and not this_device:
        abort(404)
    if this_device:
        logout_user()
        sessions.forget_this_device()
        flash(_("You're signed out."))
        return redirect(url_for("auth.login"))
    flash(_("That device is signed out."))
    return redirect(url_for("account.account") + "#devices")


@bp.post("/account/sessions/end-all")
@login_required
def end_all_sessions():
    """Sign out everywhere: every device, this one included."""
    form = EndSessionForm()
    if not form.validate():
        abort(400, _("This form has expired. Please reload the page and try again."))
    sessions.end_all(current_user.id)
    db.session.commit()
    logout_user()
    sessions.forget_this_device()
    flash(_("You're signed out on every device."))
    return redirect(url_for("auth.login"))


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
        form.file.errors.append(_("That file is larger than 4 MB; a Rebound export is much smaller."))
        return _page(413, import_form=form)
    try:
        imported = import_document(current_user._get_current_object(), read_document(raw), utcnow())
    except ImportProblem as problem:
        db.session.rollback()
        form.file.errors.append(_("Nothing was imported. %(problem)s", problem=problem))
        return _page(400, import_form=form)
    if form.commit_once(current_user.id):
        flash(_("Imported: %(parts)s.", parts=", ".join(imported)))
    return redirect(url_for("account.account"))
