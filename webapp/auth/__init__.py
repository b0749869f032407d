"""Accounts: sign up, sign in, sign out."""


def init_app(app) -> None:
    from webapp.auth.views import bp
    from webapp.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
