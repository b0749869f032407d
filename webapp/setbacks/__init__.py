"""The rejection log (pages and API)."""


def init_app(app) -> None:
    from webapp.setbacks.api import bp as api_bp
    from webapp.setbacks.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
