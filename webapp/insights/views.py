"""GET /api/insights: the same findings as /progress and the weekly review, with their figures."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.insights.data import insights_for, insights_json

bp = Blueprint("insights", __name__)


@bp.get("/api/insights")
@login_required
def insights():
    user = current_user._get_current_object()
    today = user.local_day(utcnow())
    return jsonify(insights_json(insights_for(user, today), today))
