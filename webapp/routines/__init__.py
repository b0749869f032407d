"""The day's routines: /today, completions (pages and API), their rules and content."""


def init_app(app) -> None:
    from webapp.routines.api import bp as api_bp
    from webapp.routines.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
