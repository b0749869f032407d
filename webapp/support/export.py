"""Export v1's `support`: the links the user owns or holds, with what each may see. Never imported:
a link binds two accounts on one server."""

from __future__ import annotations

from webapp.auth.models import User
from webapp.extensions import db
from webapp.portability import Collection
from webapp.support.models import SupportLink, SupportSettings
from webapp.support.notify import name_of


def _sees(link: SupportLink) -> dict:
    return {"practice": True, "small_wins": link.show_wins, "goal_progress": link.show_goals}


def export_support(user) -> dict:
    owned = db.session.scalars(
        db.select(SupportLink).filter_by(owner_id=user.id).order_by(SupportLink.id)
    ).all()
    held = db.session.scalars(
        db.select(SupportLink).filter_by(supporter_id=user.id).order_by(SupportLink.id)
    ).all()
    names = {
        other.id: name_of(other)
        for other in db.session.scalars(
            db.select(User).where(
                User.id.in_({link.supporter_id for link in owned} | {link.owner_id for link in held})
            )
        )
    }
    settings = db.session.get(SupportSettings, user.id)
    return {
        # Only the other person's name as shown in the app: none of their data.
        "supporters": [
            {
                "link": link.id,
                "name": names.get(link.supporter_id, ""),
                "since": link.created_at.isoformat(),
                "sees": _sees(link),
                "muted": link.muted,
            }
            for link in owned
        ],
        "supporting": [
            {
                "link": link.id,
                "name": names.get(link.owner_id, ""),
                "since": link.created_at.isoformat(),
                "i_see": _sees(link),
            }
            for link in held
        ],
        "weekly_note": None
        if settings is None
        else {
            "on": settings.weekly_on,
            "weekday": settings.weekly_weekday,
            "time": settings.weekly_time.strftime("%H:%M"),
        },
    }


# Never imported (load is None): a link binds two accounts on one server.
SUPPORT_EXPORT = Collection("support", export_support, None)
