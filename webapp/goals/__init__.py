"""Goals, the daily goal review and the weekly look back."""


def init_app(app) -> None:
    from webapp.goals.core import target_phrase
    from webapp.goals.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["target_words"] = target_phrase
