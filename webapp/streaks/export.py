"""The `streaks` part of the export: for the record only (import recomputes them)."""

from __future__ import annotations

from webapp.clock import utcnow
from webapp.portability import Collection
from webapp.routines.core import ROUTINES
from webapp.streaks.store import streak_summaries


def export_streaks(user) -> list[dict]:
    today = user.local_day(utcnow())
    summaries = streak_summaries(user, today)
    rows = []
    for routine in ROUTINES:
        summary = summaries[routine]
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


STREAKS_EXPORT = Collection("streaks", export_streaks, None)
