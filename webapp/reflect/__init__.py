"""The evening reflection."""


def init_app(app) -> None:
    from webapp.reflect.views import bp

    app.register_blueprint(bp)
