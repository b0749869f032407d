"""The account page: profile, zone, password, export and import, deletion."""


def init_app(app) -> None:
    from webapp.account.views import bp

    app.register_blueprint(bp)
