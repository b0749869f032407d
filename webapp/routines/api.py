from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.i18n.translations import gettext as _
from webapp.routines.completions import parse_moment, record_completion, undo_completion
from webapp.web import api_error, json_object

bp = Blueprint("completions_api", __name__)


@bp.post("/api/completions")
@login_required
def create_completion():
    body = json_object()
    answer = record_completion(
        current_user._get_current_object(),  # the user itself: the write reads it many times
        body.get("id"),
        body.get("routine"),
        parse_moment(body.get("completed_at"), "completed_at"),
        body.get("data"),
        utcnow(),
    )
    db.session.commit()
    return jsonify(answer.body), answer.status


@bp.delete("/api/completions/<client_id>")
@login_required
def delete_completion(client_id: str):
    completion = undo_completion(current_user, client_id, utcnow())
    if completion is None:
        return api_error(404, "not_found", _("There is no such completion."))
    db.session.commit()
    return jsonify({"id": client_id, "deleted": True, "routine": completion.routine})
