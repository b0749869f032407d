"""The `affirmations` part of export and import: the user's own lines and marks on curated ones."""

from __future__ import annotations

from webapp.extensions import db
from webapp.morning.forms import AFFIRMATION_MAX, AFFIRMATION_MIN
from webapp.portability import (
    Collection,
    ImportProblem,
    check_room,
    expect_dict,
    expect_list,
    read_datetime,
    read_str,
)
from webapp.routines.content import affirmation_by_id
from webapp.routines.models import AffirmationChoice, UserAffirmation


def export_affirmations(user) -> dict:
    own = db.session.scalars(
        db.select(UserAffirmation)
        .filter_by(user_id=user.id)
        .order_by(UserAffirmation.created_at, UserAffirmation.id)
    )
    choices = db.session.scalars(
        db.select(AffirmationChoice).filter_by(user_id=user.id).order_by(AffirmationChoice.affirmation_id)
    )
    return {
        "own": [
            {
                "id": a.id,
                "text": a.text,
                "favourite": a.favourite,
                "hidden": a.hidden,
                "created_at": a.created_at.isoformat(),
            }
            for a in own
        ],
        "curated_choices": [
            {"affirmation_id": c.affirmation_id, "favourite": c.favourite, "hidden": c.hidden}
            for c in choices
            if c.favourite or c.hidden
        ],
    }


def _read_bool(row: dict, key: str, where: str) -> bool:
    value = row.get(key, False)
    if not isinstance(value, bool):
        raise ImportProblem(f"{where}.{key}: expected true or false.")
    return value


# A person's own lines: a few dozen is a lot; hundreds is the most anyone would keep.
MAX_OWN = 500


def import_affirmations(user, value, now) -> None:
    """Add own lines this account doesn't have yet (same text = same line); take the file's marks.

    A curated id the app no longer has (a line retired since the export) is skipped: there is
    nothing left to mark.
    """
    part = expect_dict(value, "affirmations")
    texts = set(db.session.scalars(db.select(UserAffirmation.text).filter_by(user_id=user.id)))
    already = len(texts)
    for index, row in enumerate(expect_list(part.get("own", []), "affirmations.own", MAX_OWN)):
        where = f"affirmations.own[{index}]"
        row = expect_dict(row, where)
        text = read_str(row, "text", where, AFFIRMATION_MAX, required=True).strip()
        if len(text) < AFFIRMATION_MIN:
            raise ImportProblem(f"{where}.text: shorter than {AFFIRMATION_MIN} characters.")
        favourite, hidden = _read_bool(row, "favourite", where), _read_bool(row, "hidden", where)
        created_at = now if row.get("created_at") is None else read_datetime(row, "created_at", where)
        if text in texts:
            continue
        texts.add(text)
        db.session.add(
            UserAffirmation(
                user_id=user.id, text=text, favourite=favourite, hidden=hidden, created_at=created_at
            )
        )

    check_room("affirmations.own", already, len(texts) - already, MAX_OWN)
    rows = db.session.scalars(db.select(AffirmationChoice).filter_by(user_id=user.id))
    existing = {c.affirmation_id: c for c in rows}
    seen: set[str] = set()
    for index, row in enumerate(
        expect_list(part.get("curated_choices", []), "affirmations.curated_choices", MAX_OWN)
    ):
        where = f"affirmations.curated_choices[{index}]"
        row = expect_dict(row, where)
        affirmation_id = read_str(row, "affirmation_id", where, 64, required=True)
        if affirmation_id in seen:
            raise ImportProblem(f"{where}.affirmation_id: {affirmation_id} appears twice.")
        seen.add(affirmation_id)
        favourite, hidden = _read_bool(row, "favourite", where), _read_bool(row, "hidden", where)
        if affirmation_by_id(affirmation_id) is None:
            continue
        choice = existing.get(affirmation_id)
        if choice is None:
            if not (favourite or hidden):
                continue
            choice = AffirmationChoice(user_id=user.id, affirmation_id=affirmation_id)
            db.session.add(choice)
            existing[affirmation_id] = choice
        choice.favourite, choice.hidden = favourite, hidden
        if not (favourite or hidden):
            db.session.delete(choice)


AFFIRMATIONS_EXPORT = Collection("affirmations", export_affirmations, import_affirmations)
