"""Web Push reminders: settings, devices, the sender and its CLI."""


def init_app(app) -> None:
    from webapp.reminders.api import bp as api_bp
    from webapp.reminders.cli import reminders
    from webapp.reminders.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.cli.add_command(reminders)
