"""The first run: a few one-question screens after registering (name, days, reminder times,
reminders on), each skippable, ending on /today."""


def init_app(app) -> None:
    from webapp.welcome.views import bp

    app.register_blueprint(bp)
