"""Insights: which practices go with better evenings, from the user's own days (honestly)."""

from __future__ import annotations


def init_app(app) -> None:
    from webapp.insights.views import bp

    app.register_blueprint(bp)
