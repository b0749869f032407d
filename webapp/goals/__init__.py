"""Goals, the daily goal review and the weekly look back."""


def init_app(app) -> None:
    from webapp.goals.views import bp

    app.register_blueprint(bp)
