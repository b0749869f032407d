"""The progress page: streaks, a calendar of done days, and charts of what the days add up to."""


def init_app(app) -> None:
    from webapp.progress.views import bp

    app.register_blueprint(bp)
