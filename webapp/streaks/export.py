"""The `streaks` part of the export: for the record only (import recomputes them)."""

from __future__ import annotations

from webapp.clock import utcnow
from webapp.portability import register
from webapp.routines.completions import user_local_day
from webapp.routines.core import ROUTINES
from webapp.streaks.store import streak_summary


def export_streaks(user) -> list[dict]:
    today, _zone = user_local_day(user, utcnow())
    rows = []
    for routine in ROUTINES:
        summary = streak_summary(user, routine, today)
        rows.append(
            {
                "routine": routine,
                "current": summary.current,
                "longest": summary.longest,
                "freezes_held": summary.freezes_held,
                "total_days": summary.total_days,
                "rate_30": round(summary.rate_30, 4),
                "strength": round(summary.strength, 4),
                "as_of": today.isoformat(),
            }
        )
    return rows


register("streaks", export_streaks)
