"""The morning routine: affirmations, a visualisation, today's intention."""


def init_app(app) -> None:
    from webapp.morning.views import bp

    app.register_blueprint(bp)
