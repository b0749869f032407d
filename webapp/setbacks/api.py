from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.setbacks.log import record_setback
from webapp.web import json_object

bp = Blueprint("setbacks_api", __name__)


@bp.post("/api/setbacks")
@login_required
def create_setback():
    body = json_object()
    answer = record_setback(current_user, body.get("id"), body, utcnow())
    db.session.commit()
    return jsonify(answer.body), answer.status
