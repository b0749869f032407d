"""Streaks: the pure rules, their stored state and `streaks rebuild`."""


def init_app(app) -> None:
    from webapp.streaks.cli import streaks

    app.cli.add_command(streaks)
