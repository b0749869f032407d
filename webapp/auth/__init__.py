"""Accounts: sign up, sign in, sign out, and the signed-in devices."""


def init_app(app) -> None:
    from webapp.auth import sessions
    from webapp.auth.views import bp
    from webapp.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    sessions.init_app(app)  # the user loader: each sign-in a server-side record
    app.register_blueprint(bp)
