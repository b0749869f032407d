"""Breathing sessions and the "rough call? reset" flow."""


def init_app(app) -> None:
    from webapp.breathe.views import bp

    app.register_blueprint(bp)
