from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.i18n.translations import gettext as _
from webapp.support.cheers import NoSuchLink, TooManyCheers, send_cheer
from webapp.web import api_error, json_object

bp = Blueprint("support_api", __name__)


@bp.post("/api/cheers")
@login_required
def create_cheer():
    """A cheer to the person a link supports; a replay of the same id changes nothing."""
    body = json_object()
    try:
        answer = send_cheer(current_user, body.get("id"), body.get("to"), body.get("kind"), utcnow())
    except NoSuchLink:
        return api_error(
            404, "not_found", _("You don't support anyone through that link (it may have ended).")
        )
    except TooManyCheers as limit:
        return api_error(429, "too_many_cheers", limit.message)
    return jsonify(answer.body), answer.status
