"""The `recordings` part of export: which affirmations have a backed-up recording, not the audio.

Import ignores it: the audio is not in the file, and a phone backs its recordings up again."""

from __future__ import annotations

from webapp.extensions import db
from webapp.portability import Collection
from webapp.recordings.models import Recording


def export_recordings(user) -> list[dict]:
    rows = db.session.execute(
        db.select(Recording.affirmation_id, Recording.content_type, Recording.size, Recording.updated_at)
        .filter_by(user_id=user.id)
        .order_by(Recording.affirmation_id)
    )
    return [
        {"affirmation_id": a, "content_type": kind, "bytes": size, "updated_at": at.isoformat()}
        for a, kind, size, at in rows
    ]


RECORDINGS_EXPORT = Collection("recordings", export_recordings, None)
