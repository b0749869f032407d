"""Rebound: a daily resilience practice for people who sell."""

from __future__ import annotations

import sys

from flask import Flask

from webapp import config as config_module


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints and CLI — nothing else."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        static_folder="../static",
        template_folder="../templates",
    )
    try:
        app.config.from_mapping(config_module.load(app.instance_path))
    except config_module.ConfigError:
        # `vapid generate` is how an operator makes the keys the app is refusing to start without.
        if sys.argv[-2:] != ["vapid", "generate"]:
            raise
        app.config.from_mapping(config_module.load(app.instance_path, {}))
    if config:
        app.config.from_mapping(config)

    from webapp import cli, web
    from webapp.extensions import csrf, db, limiter, login_manager, migrate

    # web first: its after_request then runs last and sees Flask-Login's remember-me cookie.
    web.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    from webapp.auth import sessions as sign_ins

    sign_ins.init_app(app)  # the user loader: each sign-in a server-side record

    from webapp import database
    from webapp.account import export as _user_export  # noqa: F401  (each registers its export part)
    from webapp.account.views import bp as account_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.breathe.views import bp as breathe_bp
    from webapp.goals import export as _goals_export  # noqa: F401
    from webapp.goals.views import bp as goals_bp
    from webapp.morning import export as _morning_export  # noqa: F401
    from webapp.morning.views import bp as morning_bp
    from webapp.pages.views import bp as pages_bp
    from webapp.progress.views import bp as progress_bp
    from webapp.pwa import bp as pwa_bp
    from webapp.pwa import init_app as init_pwa
    from webapp.reflect import export as _reflect_export  # noqa: F401
    from webapp.reflect.views import bp as reflect_bp
    from webapp.reminders import export as _reminders_export  # noqa: F401
    from webapp.reminders.api import bp as reminders_api_bp
    from webapp.reminders.views import bp as reminders_bp
    from webapp.routines import export as _routines_export  # noqa: F401
    from webapp.routines.api import bp as completions_api_bp
    from webapp.routines.views import bp as routines_bp
    from webapp.setbacks import export as _setbacks_export  # noqa: F401
    from webapp.setbacks.api import bp as setbacks_api_bp
    from webapp.setbacks.views import bp as setbacks_bp
    from webapp.streaks import export as _streaks_export  # noqa: F401

    database.init_app(app)
    web.init_api_errors(app)
    init_pwa(app)  # asset versions for templates, and compressed responses
    for blueprint in (
        pages_bp,
        auth_bp,
        account_bp,
        routines_bp,
        morning_bp,
        breathe_bp,
        reflect_bp,
        goals_bp,
        setbacks_bp,
        progress_bp,
        reminders_bp,
        reminders_api_bp,
        completions_api_bp,
        setbacks_api_bp,
        pwa_bp,
    ):
        app.register_blueprint(blueprint)
    from webapp.demo import demo as demo_cli
    from webapp.reminders import schedule as reminder_schedule
    from webapp.reminders.cli import reminders as reminders_cli
    from webapp.streaks import store as streak_store
    from webapp.streaks.cli import streaks as streaks_cli

    streak_store.init_app(app)
    reminder_schedule.init_app(app)
    app.cli.add_command(streaks_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(demo_cli)
    cli.init_app(app)
    return app
