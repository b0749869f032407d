"""What a reminder says: worth reading, and it opens the right page."""

from __future__ import annotations

import functools
from datetime import date

from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines import content

PAGES = {
    "morning": "/morning",
    "breathe": "/breathe",
    "reflect": "/reflect",
    "goals": "/goals",
    "test": "/today",
}
TITLES = {
    "morning": _l("Good morning"),
    "breathe": _l("A minute to breathe?"),
    "reflect": _l("Evening reflection"),
    "goals": _l("How did today's numbers go?"),
    "test": _l("Reminders are on"),
}
SNOOZE_SALT = "rebound-snooze"
# A notification can sit unread for a while; a "Later" tap a day on is no longer useful.
SNOOZE_TOKEN_MAX_AGE = 60 * 60 * 24


def body_for(routine: str, user_id: int, day: date, affirmation: str | None = None) -> str:
    if routine == "morning":
        return affirmation or _("Three lines for today, and one thing that matters most.")
    if routine == "reflect":
        prompt = content.prompt_for_day(list(content.REFLECTION_PROMPTS), f"{user_id}|reminder", day)
        return prompt.text
    if routine == "test":
        return _("This is how a Rebound reminder looks on this device.")
    if routine == "breathe":
        return _("Slow breaths before the next call. One minute is enough.")
    return _("Two minutes to note what you did today — the calls count, whatever the answers were.")


class Words:
    """Plain strings of (lazy) words in the current language, each translated once: a batch of
    reminders in one language shares its titles, buttons and curated affirmations."""

    def __init__(self):
        self._plain: dict[int, tuple[object, str]] = {}
        self._actions: list[dict] | None = None

    def __call__(self, text) -> str:
        if isinstance(text, str):
            return text
        found = self._plain.get(id(text))
        if found is None:
            found = self._plain[id(text)] = (text, str(text))  # the text kept: its id stays its own
        return found[1]

    def actions(self) -> list[dict]:
        if self._actions is None:
            # NOTE: The two buttons on a reminder notification.
            start, later = _("Start"), _("Later")
            self._actions = [{"action": "start", "title": start}, {"action": "later", "title": later}]
        return [dict(action) for action in self._actions]


def payload(occurrence, affirmation: str | None, token: str, words: Words | None = None) -> dict:
    """The JSON the service worker turns into a notification, in the current language (the
    sender writes each one in its recipient's: webapp.i18n.in_language_of). `words` (for one
    language) lets many messages share their translations."""
    words = words or Words()
    routine = occurrence.routine
    if affirmation is not None:
        affirmation = words(affirmation)
    return {
        "title": words(TITLES.get(routine, "Rebound")),
        "body": words(body_for(routine, occurrence.user_id, occurrence.local_day, affirmation)),
        "tag": f"rebound-{occurrence.id}",
        "url": PAGES.get(routine, "/today"),
        "routine": routine,
        "occurrence": occurrence.id,
        "snooze_token": token,
        "actions": words.actions(),
    }


@functools.lru_cache(maxsize=8)
def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SNOOZE_SALT)


def snooze_token(secret_key: str, occurrence_id: int, user_id: int) -> str:
    """A signed token for one occurrence: the service worker has no CSRF token to send."""
    return _serializer(secret_key).dumps({"o": occurrence_id, "u": user_id})


def read_snooze_token(secret_key: str, token) -> tuple[int, int] | None:
    """(occurrence id, user id) from a valid, unexpired token; None otherwise."""
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        data = _serializer(secret_key).loads(token, max_age=SNOOZE_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("u"), int):
        return None
    return data["o"], data["u"]
