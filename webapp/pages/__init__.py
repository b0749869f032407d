"""Pages for everyone: the landing page, help."""


def init_app(app) -> None:
    from webapp.pages.views import bp

    app.register_blueprint(bp)
