"""What /healthz says about the reminder sender."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func

from webapp.extensions import db
from webapp.reminders.models import Occurrence, OutboxMessage, SenderHeartbeat
from webapp.routines.models import RoutineSetting

RECENT = timedelta(hours=1)


def reminder_health(now: datetime) -> dict:
    """The senders' last pass, how much is due and not yet sent, and failures in the last hour."""
    last_pass = db.session.scalar(db.select(func.max(SenderHeartbeat.last_pass_at)))
    due_settings = db.session.scalar(
        db.select(func.count(RoutineSetting.id)).where(
            RoutineSetting.reminder_on.is_(True), RoutineSetting.next_fire_at <= now
        )
    )
    due_occurrences = db.session.scalar(
        db.select(func.count(Occurrence.id)).where(Occurrence.status == "pending", Occurrence.due_at <= now)
    )
    due_messages = db.session.scalar(
        db.select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now
        )
    )
    failures = db.session.scalar(
        db.select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == "failed", OutboxMessage.created_at >= now - RECENT
        )
    )
    return {
        "last_pass_at": last_pass.isoformat() if last_pass else None,
        "seconds_since_last_pass": round((now - last_pass).total_seconds()) if last_pass else None,
        "due_backlog": due_settings + due_occurrences + due_messages,
        "recent_failures": failures,
    }
