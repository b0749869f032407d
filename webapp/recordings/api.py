"""The recordings API (CONTRACT.md "Recordings"): backup on and off, and one server copy per affirmation.

Recordings live on the phone first (IndexedDB); the server keeps a copy only while the user has
backup on, so that a new phone gets them back. Every answer is private to its user: another
account gets 404 for the same path, and no shared cache may keep a copy.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.i18n.translations import gettext as _
from webapp.recordings.core import (
    MAX_BYTES,
    MAX_RECORDINGS,
    is_affirmation_id,
    own_affirmation_number,
    sniff_audio,
)
from webapp.recordings.models import Recording, RecordingBackup
from webapp.routines.content import affirmation_by_id
from webapp.routines.models import UserAffirmation
from webapp.web import api_error, json_object

bp = Blueprint("recordings_api", __name__)

PRIVATE = "private, no-store"


def affirmation_text(user_id: int, affirmation_id: str) -> str | None:
    """The words of one of the user's own affirmations or a curated one; None for anything else."""
    if not is_affirmation_id(affirmation_id):
        return None
    number = own_affirmation_number(affirmation_id)
    if number is not None:
        return db.session.scalar(db.select(UserAffirmation.text).filter_by(id=number, user_id=user_id))
    curated = affirmation_by_id(affirmation_id)
    return curated.text if curated else None


def _not_found():
    return api_error(404, "not_found", _("There is no such recording."))


def _described(row: Recording) -> dict:
    return {
        "affirmation_id": row.affirmation_id,
        "content_type": row.content_type,
        "bytes": row.size,
        "sha256": row.sha256,
        "updated_at": row.updated_at.isoformat(),
    }


def _backup(user_id: int, lock: bool = False) -> RecordingBackup | None:
    query = db.select(RecordingBackup).filter_by(user_id=user_id)
    # Uploads and "backup off" take the same row lock (PostgreSQL), so neither the count cap
    # nor an upload racing the switch can leave a copy the user asked not to keep.
    return db.session.scalar(query.with_for_update() if lock else query)


def _state(backup: RecordingBackup | None) -> dict:
    return {
        "backup": backup is not None,
        "backup_since": backup.turned_on_at.isoformat() if backup else None,
        "limit": MAX_RECORDINGS,
        "max_bytes": MAX_BYTES,
    }


@bp.get("/api/recordings")
@login_required
def list_recordings():
    """Whether backup is on, and which affirmations have a server copy (with digests, not audio)."""
    rows = list(
        db.session.scalars(
            db.select(Recording).filter_by(user_id=current_user.id).order_by(Recording.affirmation_id)
        )
    )
    # The words go with each one: a new phone shows them as the transcript of what it plays.
    own_numbers = [own_affirmation_number(r.affirmation_id) for r in rows]
    own_texts = dict(
        db.session.execute(
            db.select(UserAffirmation.id, UserAffirmation.text).filter(
                UserAffirmation.user_id == current_user.id,
                UserAffirmation.id.in_([n for n in own_numbers if n is not None]),
            )
        ).all()
    )
    listed = []
    for row, number in zip(rows, own_numbers, strict=True):
        curated = affirmation_by_id(row.affirmation_id) if number is None else None
        text = own_texts.get(number, "") if number is not None else (curated.text if curated else "")
        listed.append({**_described(row), "text": text})
    response = jsonify({**_state(_backup(current_user.id)), "recordings": listed})
    response.headers["Cache-Control"] = PRIVATE
    return response


@bp.post("/api/recordings/backup")
@login_required
def set_backup():
    """Body `{"on": true|false}`. Off deletes every server copy; the phones keep theirs."""
    on = json_object().get("on")
    if not isinstance(on, bool):
        return api_error(400, "invalid", _('Send {"on": true} or {"on": false}.'), field="on")
    backup = _backup(current_user.id, lock=True)
    deleted = 0
    if on and backup is None:
        backup = RecordingBackup(user_id=current_user.id, turned_on_at=utcnow())
        db.session.add(backup)
    elif not on:
        deleted = db.session.execute(db.delete(Recording).filter_by(user_id=current_user.id)).rowcount
        if backup is not None:
            db.session.delete(backup)
            backup = None
    try:
        db.session.commit()
    except IntegrityError:  # two phones turned it on at once: the first one's row stands
        db.session.rollback()
        backup = _backup(current_user.id)
    return jsonify({**_state(backup), "deleted": deleted})


def _read_body() -> bytes | None:
    """The request body, or None when it is larger than MAX_BYTES (read no further than that)."""
    if request.content_length is not None and request.content_length > MAX_BYTES:
        return None
    data = request.stream.read(MAX_BYTES + 1)
    return None if len(data) > MAX_BYTES else data


def _too_large():
    return api_error(
        413,
        "too_large",
        _(
            "A recording can be at most %(size)d MB (about 30 seconds). "
            "Record a shorter one and back it up again.",
            size=MAX_BYTES // (1024 * 1024),
        ),
    )


@bp.put("/api/recordings/<affirmation_id>")
@login_required
def put_recording(affirmation_id: str):
    """Store (or replace) the server copy; the same bytes again change nothing (200, same body)."""
    if affirmation_text(current_user.id, affirmation_id) is None:
        return _not_found()
    data = _read_body()
    if data is None:
        return _too_large()
    content_type = sniff_audio(data)
    if content_type is None:
        return api_error(
            415,
            "not_audio",
            _("That isn't a recording Rebound can keep: send Opus audio in WebM or Ogg, or AAC in MP4."),
        )
    backup = _backup(current_user.id, lock=True)
    if backup is None:
        db.session.rollback()
        return api_error(
            409, "backup_off", _("Backup is off, so recordings stay on your phone. Turn it on first.")
        )
    digest = hashlib.sha256(data).hexdigest()
    row = db.session.scalar(
        db.select(Recording).filter_by(user_id=current_user.id, affirmation_id=affirmation_id)
    )
    if row is not None:
        if row.sha256 != digest:  # re-recorded: the newer take replaces the copy
            row.audio, row.sha256, row.size, row.content_type = data, digest, len(data), content_type
            row.updated_at = utcnow()
        body = _described(row)
        db.session.commit()
        return jsonify(body), 200
    count = db.session.scalar(db.select(db.func.count(Recording.id)).filter_by(user_id=current_user.id))
    if count >= MAX_RECORDINGS:
        db.session.rollback()
        return api_error(
            400,
            "too_many_recordings",
            _(
                "Your backup holds at most %(count)d recordings. "
                "Delete one you no longer play to back this one up; it stays on this phone meanwhile.",
                count=MAX_RECORDINGS,
            ),
            limit=MAX_RECORDINGS,
        )
    row = Recording(
        user_id=current_user.id,
        affirmation_id=affirmation_id,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        updated_at=utcnow(),
        audio=data,
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        # The same upload arrived twice at once (SQLite has no row lock): the other one stored it.
        db.session.rollback()
        row = db.session.scalar(
            db.select(Recording).filter_by(user_id=current_user.id, affirmation_id=affirmation_id)
        )
        if row is None:
            raise
        return jsonify(_described(row)), 200
    return jsonify(_described(row)), 201


@bp.get("/api/recordings/<affirmation_id>")
@login_required
def get_recording(affirmation_id: str):
    """The audio of the user's own server copy; 404 for anyone else, and when there is none."""
    if not is_affirmation_id(affirmation_id):
        return _not_found()
    row = db.session.scalar(
        db.select(Recording)
        .filter_by(user_id=current_user.id, affirmation_id=affirmation_id)
        .options(undefer(Recording.audio))
    )
    if row is None:
        return _not_found()
    response = Response(row.audio, mimetype=row.content_type)
    response.headers["Cache-Control"] = PRIVATE
    response.headers["X-Recording-Sha256"] = row.sha256
    response.set_etag(row.sha256)
    return response


@bp.delete("/api/recordings/<affirmation_id>")
@login_required
def delete_recording(affirmation_id: str):
    """Remove the server copy; deleting one that is already gone is fine (a replay)."""
    if affirmation_text(current_user.id, affirmation_id) is None:
        return _not_found()
    deleted = db.session.execute(
        db.delete(Recording).filter_by(user_id=current_user.id, affirmation_id=affirmation_id)
    ).rowcount
    db.session.commit()
    return jsonify({"affirmation_id": affirmation_id, "deleted": bool(deleted)})
