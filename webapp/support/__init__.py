"""The support corner: a few chosen people who see the effort (never the setbacks) and cheer it on."""

from __future__ import annotations


def init_app(app) -> None:
    from webapp.support import notify
    from webapp.support.api import bp as api_bp
    from webapp.support.views import bp, has_supporters, waiting_cheers

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    notify.init_app(app)
    app.jinja_env.globals["support_has_supporters"] = has_supporters
    app.jinja_env.globals["support_waiting_cheers"] = waiting_cheers
