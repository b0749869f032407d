from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.setbacks.lessons import earlier_lessons, setback_by_client_id
from webapp.setbacks.log import record_setback
from webapp.web import json_object

bp = Blueprint("setbacks_api", __name__)


@bp.post("/api/setbacks")
@login_required
def create_setback():
    body = json_object()
    answer = record_setback(current_user, body.get("id"), body, utcnow())
    db.session.commit()
    # Earlier lessons for the same objection, worked out on every answer (a replay too): they are
    # a view of the log, not part of the stored answer.
    setback = setback_by_client_id(current_user.id, answer.body.get("id"))
    lessons = [lesson.as_json() for lesson in earlier_lessons(setback)] if setback else []
    return jsonify({**answer.body, "lessons": lessons}), answer.status
