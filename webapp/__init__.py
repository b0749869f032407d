"""Rebound: a daily resilience practice for people who sell."""

from __future__ import annotations

from flask import Flask

from webapp import config as config_module
from webapp.web import App


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, extensions, features and CLI — nothing else."""
    app = App(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        static_folder="../static",
        template_folder="../templates",
    )
    app.config.from_mapping(config_module.load(app.instance_path))
    if config:
        app.config.from_mapping(config)

    from webapp import (
        account,
        auth,
        breathe,
        cli,
        database,
        demo,
        extensions,
        goals,
        i18n,
        insights,
        morning,
        pagecache,
        pages,
        portability,
        progress,
        pwa,
        recordings,
        reflect,
        reminders,
        routines,
        setbacks,
        streaks,
        support,
        web,
        welcome,
    )
    from webapp.account.export import USER_EXPORT
    from webapp.goals.export import GOALS_EXPORT
    from webapp.morning.export import AFFIRMATIONS_EXPORT
    from webapp.recordings.export import RECORDINGS_EXPORT
    from webapp.reflect.export import REFLECTIONS_EXPORT
    from webapp.reminders.export import REMINDERS_EXPORT, SUBSCRIPTIONS_EXPORT
    from webapp.routines.export import COMPLETIONS_EXPORT, ROUTINES_EXPORT
    from webapp.setbacks.export import SETBACKS_EXPORT
    from webapp.streaks.export import STREAKS_EXPORT
    from webapp.support.export import SUPPORT_EXPORT

    # web first: its after_request then runs last and sees Flask-Login's remember-me cookie.
    web.init_app(app)
    extensions.init_app(app)
    i18n.init_app(app)
    database.init_app(app)
    pwa.init_app(app)
    # After pwa: the shared page cache's keys hold the static files' version.
    pagecache.init_app(app)
    for feature in (
        pages,
        auth,
        welcome,
        account,
        routines,
        morning,
        breathe,
        reflect,
        goals,
        setbacks,
        progress,
    ):
        feature.init_app(app)
    recordings.init_app(app)
    insights.init_app(app)
    streaks.init_app(app)
    reminders.init_app(app)
    support.init_app(app)
    demo.init_app(app)
    cli.init_app(app)
    # Export and import, in this order: goals before the completions that name them.
    portability.init_app(
        app,
        [
            USER_EXPORT,
            GOALS_EXPORT,
            AFFIRMATIONS_EXPORT,
            REFLECTIONS_EXPORT,
            REMINDERS_EXPORT,
            SUBSCRIPTIONS_EXPORT,
            ROUTINES_EXPORT,
            COMPLETIONS_EXPORT,
            SETBACKS_EXPORT,
            STREAKS_EXPORT,
            RECORDINGS_EXPORT,
            SUPPORT_EXPORT,
        ],
    )
    return app
