from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.setbacks.lessons import earlier_lessons, setback_by_client_id
from webapp.setbacks.log import log_setback
from webapp.web import json_object

bp = Blueprint("setbacks_api", __name__)


@bp.post("/api/setbacks")
@login_required
def create_setback():
    body = json_object()
    user = current_user._get_current_object()
    answer, setback = log_setback(user, body.get("id"), body, utcnow())
    # Earlier lessons for the same objection, worked out on every answer (a replay too): they are
    # a view of the log, not part of the stored answer. Read before the commit, which would
    # expire the user and the setback and have them loaded again.
    if setback is None:
        setback = setback_by_client_id(user.id, answer.body.get("id"))
    lessons = [lesson.as_json() for lesson in earlier_lessons(setback)] if setback else []
    db.session.commit()
    return jsonify({**answer.body, "lessons": lessons}), answer.status
