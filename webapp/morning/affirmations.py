"""The day's affirmations: which a user sees on a day, for /morning and the reminder sender alike."""

from __future__ import annotations

from datetime import date

from webapp.database import one_of
from webapp.extensions import db
from webapp.routines import content
from webapp.routines.core import daily_affirmations
from webapp.routines.models import AffirmationChoice, UserAffirmation


def own_key(affirmation: UserAffirmation) -> str:
    return f"own-{affirmation.id}"


def own_affirmations(user_id: int) -> list[UserAffirmation]:
    return list(
        db.session.scalars(
            db.select(UserAffirmation)
            .filter_by(user_id=user_id)
            .order_by(UserAffirmation.created_at, UserAffirmation.id)
        )
    )


def choices_by_id(user_id: int) -> dict[str, AffirmationChoice]:
    rows = db.session.scalars(db.select(AffirmationChoice).filter_by(user_id=user_id))
    return {row.affirmation_id: row for row in rows}


def affirmation_ids_for_day(user_id: int, day: date) -> tuple[list[str], dict, frozenset[str]]:
    """Today's affirmation ids for a user, with their own affirmations by id and their favourites."""
    return _ids_for_day(user_id, day, own_affirmations(user_id), choices_by_id(user_id))


def _ids_for_day(
    user_id: int, day: date, own_rows: list[UserAffirmation], choices: dict[str, AffirmationChoice]
) -> tuple[list[str], dict, frozenset[str]]:
    own = {own_key(a): a for a in own_rows}
    favourites = {key for key, a in own.items() if a.favourite}
    favourites |= {key for key, c in choices.items() if c.favourite}
    hidden = {key for key, a in own.items() if a.hidden} | {key for key, c in choices.items() if c.hidden}
    ids = daily_affirmations(
        [a.id for a in content.AFFIRMATIONS],
        str(user_id),
        day,
        favourites=frozenset(favourites),
        own=list(own),
        hidden=frozenset(hidden),
    )
    return ids, own, frozenset(favourites)


def _text(key: str, own: dict) -> str:
    return own[key].text if key in own else content.affirmation_by_id(key).text


def affirmation_texts_for_day(user_id: int, day: date) -> list[str]:
    """The words of the user's affirmations for `day`, in order (for a morning reminder)."""
    ids, own, _favourites = affirmation_ids_for_day(user_id, day)
    return [_text(key, own) for key in ids]


def first_affirmations(wanted) -> dict[tuple[int, date], str | None]:
    """The first of the affirmations of each (user id, day) in `wanted`, for many users in two
    queries: the reminder sender puts it in each morning reminder of a batch."""
    wanted = set(wanted)
    user_ids = {user_id for user_id, _day in wanted}
    if not user_ids:
        return {}
    own: dict[int, list[UserAffirmation]] = {user_id: [] for user_id in user_ids}
    for row in db.session.scalars(
        db.select(UserAffirmation)
        .where(one_of(UserAffirmation.user_id, user_ids))
        .order_by(UserAffirmation.created_at, UserAffirmation.id)
    ):
        own[row.user_id].append(row)
    choices: dict[int, dict[str, AffirmationChoice]] = {user_id: {} for user_id in user_ids}
    for row in db.session.scalars(
        db.select(AffirmationChoice).where(one_of(AffirmationChoice.user_id, user_ids))
    ):
        choices[row.user_id][row.affirmation_id] = row
    first = {}
    for user_id, day in wanted:
        ids, own_by_key, _favourites = _ids_for_day(user_id, day, own[user_id], choices[user_id])
        first[(user_id, day)] = _text(ids[0], own_by_key) if ids else None
    return first
