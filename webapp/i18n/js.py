"""The words the page's scripts show, handed to them by the page in its own language.

There is no second catalog format: these are ordinary gettext messages (extracted with the rest),
put on the page as JSON in one `data-page-strings` attribute (`base.html`). A template asks for
the groups its scripts need (`{{ js_strings("breathe") }}`); the queue's words are on every page
(`offline-queue.js` runs everywhere). Placeholders stay `%(name)s`; a plural is sent as one
template per CLDR plural category of the page's language (`one`, `few`, `many`, `other`), which the
script picks with `Intl.PluralRules` (`static/js/strings.js`).
"""

from __future__ import annotations

from functools import cache, lru_cache

from babel import Locale
from flask import g

from webapp.i18n.translations import current_translations as get_translations
from webapp.i18n.translations import get_locale
from webapp.i18n.translations import lazy_gettext as _l


class Plural:
    """A message with a plural form, sent to the browser per plural category."""

    def __init__(self, singular: str, plural: str):
        self.singular, self.plural = singular, plural

    def forms(self) -> dict[str, str]:
        locale = get_locale()
        translations = get_translations()
        return {
            category: translations.ungettext(self.singular, self.plural, sample)
            for category, sample in _samples(str(locale)).items()
        }


_CANDIDATES = (*range(200), 1_000, 10_000, 100_000, 1_000_000)


@cache
def _samples(locale_name: str) -> dict[str, int]:
    """A count for each plural category of the language ("many" is 1,000,000 in French)."""
    rule = Locale.parse(locale_name).plural_form
    samples: dict[str, int] = {}
    for n in _CANDIDATES:
        samples.setdefault(rule(n), n)
    return samples


def ngettext(singular: str, plural: str) -> Plural:
    """A plural message for a script (named so that `pybabel extract` finds it)."""
    return Plural(singular, plural)


GROUPS = {
    # static/js/offline-queue.js (every page)
    "queue": {
        "saved": _l("Saved on this phone — will sync"),
        "synced": _l("Synced"),
        "signIn": _l("Sign in to sync what you saved on this phone"),
        "saving": _l("Saving…"),
        "morning": _l("Morning"),
        "breathing": _l("Breathing"),
        "reflection": _l("Reflection"),
        "setback": _l("Setback"),
        "savedItem": _l("Saved item"),
        "discard": _l("Discard"),
        # NOTE: %(item)s is what was saved: Morning, Breathing, Reflection or Setback.
        "discardItem": _l("Discard: %(item)s"),
        "discardQuestion": _l("Discard this? It isn't saved anywhere else."),
        "notSynced": _l("Not synced"),
        "turnedDown": _l("The server turned these down. Your words are here so nothing is lost."),
        "serverAnswered": _l("The server answered %(status)s."),
        "signOutQuestion": ngettext(
            "%(num)d item on this phone hasn't synced yet. Sign out anyway? It'll sync next time you sign "
            "in here.",
            "%(num)d items on this phone haven't synced yet. Sign out anyway? They'll sync next time you "
            "sign in here.",
        ),
    },
    # static/js/breathe.js and breathing-clock.js
    "breathe": {
        "logMinutes": ngettext("Log %(num)d minute of breathing", "Log %(num)d minutes of breathing"),
        "minutes": ngettext("%(num)d minute", "%(num)d minutes"),
        # NOTE: %(time)s is the time left in a breathing session, such as 0:45.
        "left": _l("%(time)s left"),
        "stopped": _l("Stopped"),
        "stoppedSay": _l("Stopped. A session counts for today from one minute."),
        "done": _l("Done"),
        "start": _l("Start"),
        "startAgain": _l("Start again"),
        "ready": _l("Ready"),
        "checkCounts": _l("Check the counts"),
        "saving": _l("Saving…"),
        # NOTE: %(problem)s is the server's reason, a sentence.
        "notCounted": _l("That didn't count: %(problem)s"),
        "viaForm": _l("No connection right now, so it's being logged with the form instead…"),
        "counted": _l("Counted for today."),
        "breatheIn": _l("Breathe in"),
        "hold": _l("Hold"),
        "breatheOut": _l("Breathe out"),
        "custom": _l("Custom"),
        "bounds": _l("Breathing in and out take %(low)s to %(high)s seconds; a hold takes 0 to %(high)s."),
    },
    # static/js/push.js
    "push": {
        "asking": _l("Waiting for your answer to the browser's question…"),
        "working": _l("Turning reminders on…"),
        "notAllowed": _l(
            "Notifications weren't allowed, so no reminders will come. You can allow them later in this "
            "browser's site settings."
        ),
        "timeout": _l(
            "This browser couldn't reach its push service in time, so reminders aren't on yet. Check the "
            "connection and try again."
        ),
        "pushService": _l(
            "This browser couldn't reach its push service, so reminders aren't on yet. Check the connection "
            "and try again. Some browsers (Brave, or Chromium without Google services) can't receive push "
            "at all."
        ),
        "offline": _l("Rebound couldn't be reached. Try again when you have a connection."),
        "signedOut": _l("You've been signed out. Sign in again, then turn reminders on."),
        "refused": _l("Rebound couldn't save this device. Please try again."),
        "on": _l("Reminders are on for this phone. Send a test reminder to see one."),
        "removed": _l(
            "This phone was removed from your reminders on another device. Turn them on again here to get "
            "them."
        ),
    },
    # static/js/recorder.js and recordings.js
    "recorder": {
        "notAllowed": _l(
            "Rebound may not use the microphone. Allow it in your browser's settings for this site, then tap "
            "Record again."
        ),
        "notFound": _l("No microphone was found on this device."),
        "notReadable": _l("The microphone is busy in another app. Close it and tap Record again."),
        "couldNotStart": _l("The microphone couldn't start. Try again in a moment."),
        # NOTE: %(text)s is an affirmation.
        "yourVoice": _l("Your voice: %(text)s"),
        "onPhoneBackedUp": _l("On this phone · backed up"),
        "onPhone": _l("On this phone"),
        "waiting": _l("Waiting for the microphone…"),
        "recording": _l("Recording… say it once, slowly, then tap Stop."),
        "nothing": _l("Nothing was recorded. Try again."),
        "storageFull": _l("This phone couldn't keep it (is its storage full?)."),
        # NOTE: %(length)s is a recording's length, such as 0:12.
        "savedLength": _l("Saved on this phone (%(length)s)."),
        "stop": _l("Stop"),
        "play": _l("Play"),
        "deleted": _l("Deleted."),
        "backedUp": ngettext("%(num)d recording backed up.", "%(num)d recordings backed up."),
        "broughtBack": ngettext(
            "%(num)d recording brought back from your account.",
            "%(num)d recordings brought back from your account.",
        ),
        "unreachable": _l(
            "Couldn't reach Rebound to back up. Your recordings are safe on this phone; it tries again next "
            "time."
        ),
        "turningOn": _l("Turning backup on…"),
        "turningOff": _l("Turning backup off…"),
        "backupOn": _l("Backup is on."),
        "backupOffDeleted": ngettext(
            "Backup is off. %(num)d copy deleted from Rebound's server; this phone keeps its recordings.",
            "Backup is off. %(num)d copies deleted from Rebound's server; this phone keeps its recordings.",
        ),
        "backupOff": _l("Backup is off. Recordings stay on this phone."),
        "needsConnection": _l("That needs a connection. Nothing changed; try again when you're online."),
        "privateWindow": _l("This browser won't keep recordings right now (a private window keeps nothing)."),
        # NOTE: %(status)s is an HTTP status code, such as 500.
        "notBackedUp": _l("Not backed up (%(status)s)."),
    },
    # static/js/voice.js
    "voice": {
        "play": _l("Play in your voice"),
        "stop": _l("Stop"),
        "orHear": _l("Or hear one of yours:"),
    },
    # static/js/support.js
    "share": {
        "shareFailed": _l("Sharing didn't work here — copy the link instead."),
        "copied": _l("Copied. Paste it into a message to the person you trust."),
        "selected": _l("Selected — copy it with your phone's copy button."),
    },
    # static/js/today.js (the zone list on /account)
    "zone": {"thisPhone": _l("This phone's zone")},
}


def js_strings(*groups: str) -> str:
    """Ask for `groups` on this page (from a template); nothing is written where it is called."""
    needed = g.setdefault("js_string_groups", {"queue"})
    needed.update(groups)
    return ""


def js_string_groups() -> frozenset[str]:
    """The groups this page has asked for so far (the key of its `data-page-strings`)."""
    return frozenset(g.get("js_string_groups", {"queue"}))


def page_strings() -> dict:
    """Every group this page asked for, in the page's language (for `data-page-strings`)."""
    return _page_strings(get_locale(), js_string_groups())


@lru_cache(maxsize=256)
def _page_strings(locale, groups: frozenset[str]) -> dict:
    # Kept per language and set of groups: every page writes them, and they never change. The
    # locale is only the key: Flask-Babel's translations for it are the request's own.
    return {
        group: {
            key: value.forms() if isinstance(value, Plural) else str(value)
            for key, value in GROUPS[group].items()
        }
        for group in sorted(groups)
    }
