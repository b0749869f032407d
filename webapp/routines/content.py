"""Rebound's words: affirmations, prompts, self-compassion lines and breathing patterns.

A pure data module (standard library only) so that writers can edit it and translators can
extract it without touching the app. House rules for the words:

- A calm, experienced colleague: warm and brief, specific to selling. No exclamation marks,
  no hype ("unstoppable", "crush it"), no therapy-speak, no guilt about missed days and no
  medical claims.
- Affirmations are first person, present tense, believable, at most 140 characters.
- Every text is wrapped in `_()` (lazy: translated when shown, in the reader's language);
  translators get them from `webapp/translations/messages.pot`.
- Every `id` is stored in users' data (favourites, history). Never change or reuse one once
  shipped: to retire a line, delete it; to reword one, keep its id only if the meaning holds.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# The words are looked up in the reader's language each time they are shown; ids never are.
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class Affirmation:
    id: str
    theme: str
    text: str  # a lazy string: str() or rendering translates it


@dataclass(frozen=True)
class Prompt:
    id: str
    text: str


@dataclass(frozen=True)
class BreathingPattern:
    id: str
    name: str
    phases: tuple[tuple[str, float], ...]
    when: str
    how: str


THEMES: dict[str, str] = {
    "self-worth": _("Self-worth is not the deal"),
    "resilience": _("Resilience"),
    "curiosity": _("Curiosity about the buyer"),
    "persistence": _("Persistence and follow-up"),
    "preparation": _("Preparation"),
    "self-compassion": _("Self-compassion"),
    "learning": _("Learning from a no"),
}


def _affirmations(theme: str, *texts: str) -> tuple[Affirmation, ...]:
    # Ids are "<theme>-<n>" in the order written here. Add new lines at the end of a theme
    # so that existing ids keep pointing at the same words.
    return tuple(Affirmation(f"{theme}-{n}", theme, text) for n, text in enumerate(texts, start=1))


AFFIRMATIONS: tuple[Affirmation, ...] = (
    *_affirmations(
        "self-worth",
        _("A no is a decision about their budget and timing, not about my worth."),
        _("My value doesn't rise and fall with today's pipeline."),
        _("I am the same person before and after this call, whatever they decide."),
        _("A lost deal tells me about their situation. It says nothing about my character."),
        _("I bring something useful to every conversation, even the ones that end in no."),
        _("My quota is a number I work toward. It is not a measure of me."),
        _("When a buyer says no, they are turning down an offer, not me."),
        _("I can respect their decision and still respect myself."),
        _("I earned my place on this team, and one quiet month doesn't take it away."),
        _("I'm good at this work, and I still lose deals. Both are true."),
        _("The people who matter most to me don't know or care about my close rate."),
    ),
    *_affirmations(
        "resilience",
        _("I have recovered from harder calls than this one."),
        _("I can feel the sting of a no and still pick up the next call."),
        _("A rough morning doesn't decide my afternoon."),
        _("I take a breath, reset, and start the next conversation fresh."),
        _("I've had slow quarters before, and I found my way through them."),
        _("Setbacks come with the job I chose, and I know how to handle them."),
        _("One bad call is one data point for me, not a pattern."),
        _("I can let this call go and give the next buyer my full attention."),
        _("Pressure slows me down sometimes. It doesn't stop me."),
        _("I give myself a minute after a hard call, and then I'm ready again."),
        _("The next call is a new conversation, and I get to start it fresh."),
    ),
    *_affirmations(
        "curiosity",
        _("I can be curious about why this buyer hesitated."),
        _("I treat each prospect as a question I want to answer."),
        _("I want to understand what is really in their way."),
        _("Every objection I hear shows me what the buyer cares about."),
        _("I ask one more question before I assume I know the answer."),
        _("A dead end teaches me something about the market I work in."),
        _("I listen for what the buyer isn't saying yet."),
        _("I'm more interested in their problem than in my pitch."),
        _("When a call goes sideways, I get curious instead of defensive."),
        _("I wonder what a good week looks like for this buyer, and I ask."),
        _("A surprising answer is the most useful thing I can hear today."),
    ),
    *_affirmations(
        "persistence",
        _("Every follow-up I send keeps a door open."),
        _("A no today can be a yes next quarter, so I stay in touch."),
        _("I follow up because I said I would."),
        _("I keep showing up with something useful, not just a reminder."),
        _("Most deals take more than one conversation, and I'm patient with that."),
        _("I can be persistent and polite at the same time."),
        _("I send the note I promised, even when it feels small."),
        _("The relationships I keep warm today become conversations later."),
        _("I do the steady work: one more call, one more email, one more week."),
        _("Silence isn't an answer yet, so I check in once more."),
        _("I count the calls I made today, not only the ones that closed."),
    ),
    *_affirmations(
        "preparation",
        _("I walk into this call knowing why it matters to them."),
        _("I prepared well, and that gives me something solid to lean on."),
        _("I know my product well enough to be honest about what it can't do."),
        _("I have three good questions ready, and that's enough to start."),
        _("I've thought about their likely objections, and I'm ready to listen to them."),
        _("Ten minutes of research lets me talk about their business, not mine."),
        _("I know what I want from this call and what a good next step looks like."),
        _("I can't control their answer. I can control how ready I am."),
        _("I rehearse the hard part of the call so it feels familiar when it comes."),
        _("My notes from our last conversation let me pick up where we left off."),
        _("I'm prepared, and I'm still willing to follow the conversation where it goes."),
    ),
    *_affirmations(
        "self-compassion",
        _("I talk to myself the way I'd talk to a colleague who just lost a deal."),
        _("Everyone who sells loses deals, and today it was my turn."),
        _("I can have a bad day without deciding it means something about me."),
        _("I'm doing a hard job, and I'm allowed to find it hard."),
        _("I give myself the same patience I give a slow-moving buyer."),
        _("When I'm hard on myself, I ask what a good manager would say instead."),
        _("A missed target is something for me to work on, not something to punish myself for."),
        _("I can rest tonight and pick this up fresh tomorrow."),
        _("I'm still learning this craft, and that's fine."),
        _("I don't have to replay that call all evening."),
        _("I can feel flat after a loss and know that it passes."),
    ),
    *_affirmations(
        "learning",
        _("Every no teaches me something if I take a minute to ask what."),
        _("I look at what I controlled, and I let go of what I didn't."),
        _("I write down what I'd do differently, and then I move on."),
        _("I ask for feedback on lost deals because it makes me better."),
        _("I'm a better seller than I was a year ago, and my losses helped."),
        _("Each objection I hear makes me readier for the next time I hear it."),
        _("I review my day to learn from it, not to judge it."),
        _("One change to my approach is enough for me to work on this week."),
        _("I can learn as much from a lost deal as from a won one."),
        _("The pattern in my losses shows me where to practise."),
        _("I share what I learned with my team, and I learn from what they share."),
    ),
)


VISUALISATIONS: tuple[Prompt, ...] = (
    Prompt(
        "visualise-1",
        _(
            "Picture the first thirty seconds of your next call. You say who you are and why you're "
            "calling, at an easy pace. The buyer answers with a question, and you're glad they did."
        ),
    ),
    Prompt(
        "visualise-2",
        _(
            "Imagine the prospect raising the objection you least want to hear. You pause, nod, and ask "
            "what's behind it. The conversation keeps going."
        ),
    ),
    Prompt(
        "visualise-3",
        _(
            "See yourself opening your notes five minutes before the meeting. You know their name, their "
            "role and one thing their company announced this month. You go in settled."
        ),
    ),
    Prompt(
        "visualise-4",
        _(
            "Picture the buyer leaning in when you describe a customer just like them. They ask how long "
            "it took to see results. You tell them plainly."
        ),
    ),
    Prompt(
        "visualise-5",
        _(
            "Imagine the call ending with a date in both calendars. You repeat the next step out loud and "
            "they agree. You hang up and write it down."
        ),
    ),
    Prompt(
        "visualise-6",
        _(
            "Picture asking a question that makes the buyer stop and think. They say nobody has asked "
            "them that before. You listen to the whole answer."
        ),
    ),
    Prompt(
        "visualise-7",
        _(
            "See yourself hearing 'just send me some information' and answering calmly. You ask what "
            "would make it useful to them. Now you have a real reason to follow up."
        ),
    ),
    Prompt(
        "visualise-8",
        _(
            "Picture a prospect who went quiet replying to your follow-up. They say the timing is better "
            "now. You're glad you kept the door open."
        ),
    ),
    Prompt(
        "visualise-9",
        _(
            "Imagine the moment the price comes up. You state it clearly, without apologising, and then "
            "stay quiet. They respond, and you take it from there."
        ),
    ),
    Prompt(
        "visualise-10",
        _(
            "Picture yourself on a video call, shoulders loose, looking at the camera as you make your "
            "main point. The buyer nods. You feel steady."
        ),
    ),
    Prompt(
        "visualise-11",
        _(
            "Imagine the buyer bringing a colleague into the call halfway through. You welcome them, sum "
            "up in two sentences, and ask what matters to them."
        ),
    ),
    Prompt(
        "visualise-12",
        _(
            "See yourself telling a prospect honestly that one part of their need isn't a good fit for "
            "you. They thank you for saying so. The trust in the room goes up."
        ),
    ),
    Prompt(
        "visualise-13",
        _(
            "Picture your first cold call of the day. The person picks up, you say your opening line, and "
            "they give you a minute. A minute is enough to ask one good question."
        ),
    ),
    Prompt(
        "visualise-14",
        _(
            "Imagine the buyer mentioning they're also talking to a competitor. You ask what they like "
            "about the other option. You learn exactly what to focus on."
        ),
    ),
    Prompt(
        "visualise-15",
        _(
            "Picture the end of today's last meeting. You asked your questions, you listened, and you "
            "know the next step. Whatever they decide, you did the work well."
        ),
    ),
    Prompt(
        "visualise-16",
        _(
            "See yourself sitting down with the person who signs off. You thank them for their time and "
            "ask what prompted the meeting. They tell you, and you start from there."
        ),
    ),
    Prompt(
        "visualise-17",
        _(
            "Imagine a buyer who said no last quarter picking up your call. They remember you because "
            "your last email was useful. The conversation starts warm."
        ),
    ),
    Prompt(
        "visualise-18",
        _(
            "Picture yourself summing up the buyer's problem in their own words. They say, 'Yes, "
            "exactly.' Now you both know what you're solving."
        ),
    ),
    Prompt(
        "visualise-19",
        _(
            "Imagine the point in the call where you ask for the business. You ask simply and clearly, "
            "then wait. Whatever the answer, you're glad you asked."
        ),
    ),
    Prompt(
        "visualise-20",
        _(
            "Picture a discovery call where you talk less than half the time. You ask, they explain, you "
            "take notes. At the end they thank you for listening."
        ),
    ),
)


REFLECTION_PROMPTS: tuple[Prompt, ...] = (
    Prompt("reflect-1", _("What did this no teach me about the buyer?")),
    Prompt("reflect-2", _("What happened today, in two or three plain sentences?")),
    Prompt("reflect-3", _("Which parts of today's calls did I control, and how did I handle them?")),
    Prompt("reflect-4", _("What would I change if I had that conversation again?")),
    Prompt("reflect-5", _("What was the real objection underneath the one they said out loud?")),
    Prompt("reflect-6", _("What question do I wish I had asked?")),
    Prompt(
        "reflect-7", _("What was today's small win: a meeting booked, a good question, a follow-up sent?")
    ),
    Prompt("reflect-8", _("Who could I ask for honest feedback on this deal?")),
    Prompt("reflect-9", _("What does this buyer need that they haven't told me yet?")),
    Prompt("reflect-10", _("What was in the buyer's way, apart from my offer?")),
    Prompt("reflect-11", _("What did I learn about my market today that I didn't know this morning?")),
    Prompt("reflect-12", _("Which conversation went better than I expected, and why?")),
    Prompt("reflect-13", _("What would I tell a colleague who'd had my day?")),
    Prompt("reflect-14", _("If this no was about timing, when is a good moment to get back in touch?")),
    Prompt("reflect-15", _("What did I do today that I'd like to do again tomorrow?")),
    Prompt("reflect-16", _("Judging by what they asked, what did the buyer care about most?")),
    Prompt("reflect-17", _("Where did the conversation change direction, and what changed it?")),
    Prompt("reflect-18", _("What is one thing I can prepare better for my next call?")),
    Prompt("reflect-19", _("Who on my team handles this objection well, and what could I borrow?")),
    Prompt("reflect-20", _("What am I quietly proud of today that no report will show?")),
    Prompt("reflect-21", _("Which of today's setbacks will still matter in a month?")),
    Prompt("reflect-22", _("What surprised me about a prospect today?")),
    Prompt("reflect-23", _("What did I hear today that would make a useful follow-up?")),
    Prompt(
        "reflect-24", _("What did I do for my energy today: a walk, a proper lunch, a break between calls?")
    ),
    Prompt("reflect-25", _("Who could I talk to about a tough day, so I'm not carrying it alone?")),
    Prompt("reflect-26", _("What would make tomorrow a good day, even if nobody says yes?")),
)


REFRAME_PROMPTS: tuple[Prompt, ...] = (
    Prompt("reframe-1", _("What did this no teach me about the buyer?")),
    Prompt("reframe-2", _("Was this mostly about their budget, their timing or their need?")),
    Prompt("reframe-3", _("If I treat this no as market research, what did I find out?")),
    Prompt("reframe-4", _("What was in their way, and how much of it was about me at all?")),
    Prompt("reframe-5", _("What would I need to know to turn this into a yes next time?")),
    Prompt("reframe-6", _("What is a more accurate story about this call than 'I failed'?")),
    Prompt("reframe-7", _("What would a curious colleague ask me about this call?")),
    Prompt("reframe-8", _("Which parts of this were outside my control?")),
    Prompt("reframe-9", _("What does this objection tell me about how buyers like them decide?")),
    Prompt("reframe-10", _("How could this no lead to a better conversation later?")),
    Prompt("reframe-11", _("What did I do well in this call, even though it ended in no?")),
    Prompt("reframe-12", _("What would I say to a friend who had just had this call?")),
)


SELF_COMPASSION_LINES: tuple[Prompt, ...] = (
    Prompt("kind-1", _("Everyone who sells loses deals. Today it was your turn.")),
    Prompt("kind-2", _("Be as fair to yourself as you'd be to a colleague who just had that call.")),
    Prompt("kind-3", _("A flat day is still a day you showed up. That counts.")),
    Prompt("kind-4", _("You can put this one down for tonight. It will look smaller tomorrow.")),
    Prompt("kind-5", _("That call stung because you care about the work. That's not a flaw.")),
    Prompt(
        "kind-6", _("Nobody closes every deal. The best sellers you know have lost more deals than you have.")
    ),
    Prompt("kind-7", _("Take a minute before the next call. You don't have to carry this one into it.")),
    Prompt("kind-8", _("You did what you could with what you knew at the time.")),
    Prompt("kind-9", _("A lost deal is a hard hour, not a verdict on your career.")),
    Prompt(
        "kind-10",
        _(
            "If it's been a run of hard days, tell someone: a peer, your manager, a friend. "
            "You don't have to carry it alone."
        ),
    ),
    Prompt("kind-11", _("Missed a few days of practice? That's fine. Pick it up whenever you're ready.")),
    Prompt("kind-12", _("You don't need to feel great to do the next small thing well.")),
    Prompt(
        "kind-13", _("Get some water, eat something, step outside for five minutes. The pipeline will wait.")
    ),
    Prompt("kind-14", _("Rough days pass. This one will too.")),
)


OBJECTIONS: dict[str, str] = {
    "price": _("Price"),
    "timing": _("Timing"),
    "no_need": _("No need"),
    "competitor": _("Went with a competitor"),
    "no_authority": _("No authority"),
    "went_silent": _("Went silent"),
    "other": _("Other"),
}


# Bounds for a user's own pattern. Breathing in or out for under two seconds is a gasp, not a
# calming breath; twelve seconds is already long for any single phase.
MIN_BREATH_SECONDS = 2.0
MAX_PHASE_SECONDS = 12.0


# The guide's words for each phase (shown large while the timer runs).
BREATHE_IN = _("Breathe in")
HOLD = _("Hold")
BREATHE_OUT = _("Breathe out")


def N_(message: str) -> str:
    """Marks a message for the catalog; it is translated later, where its numbers are known."""
    return message


def _seconds(value: float):
    """A number of seconds as the reader writes it ("3.5", "3,5"), formatted when shown."""
    return LazyString(format_decimal, value)


# Whole sentences per phase, so that each language can say them its own way.
_NEEDS_A_NUMBER = (
    _("Breathing in needs a number of seconds."),
    _("The hold after breathing in needs a number of seconds."),
    _("Breathing out needs a number of seconds."),
    _("The hold after breathing out needs a number of seconds."),
)
# NOTE: %(low)s and %(high)s are numbers of seconds, such as 2 and 12.
_OUT_OF_RANGE = (
    N_("Breathing in should last between %(low)s and %(high)s seconds."),
    N_("The hold after breathing in should last between %(low)s and %(high)s seconds."),
    N_("Breathing out should last between %(low)s and %(high)s seconds."),
    N_("The hold after breathing out should last between %(low)s and %(high)s seconds."),
)
# NOTE: The user's own breathing rhythm; each %(...)s is a number of seconds.
_HOW_CUSTOM = {
    (False, False): N_(
        "Count slowly: breathe in for %(inhale)s seconds, breathe out for %(exhale)s. "
        "Repeat for about a minute, and shorten any count that feels like a strain."
    ),
    (True, False): N_(
        "Count slowly: breathe in for %(inhale)s seconds, hold for %(hold_in)s, breathe out "
        "for %(exhale)s. Repeat for about a minute, and shorten any count that feels like a strain."
    ),
    (False, True): N_(
        "Count slowly: breathe in for %(inhale)s seconds, breathe out for %(exhale)s, hold "
        "for %(hold_out)s. Repeat for about a minute, and shorten any count that feels like a strain."
    ),
    (True, True): N_(
        "Count slowly: breathe in for %(inhale)s seconds, hold for %(hold_in)s, breathe out "
        "for %(exhale)s, hold for %(hold_out)s. Repeat for about a minute, and shorten any count "
        "that feels like a strain."
    ),
}


def custom_pattern(inhale: float, hold_in: float, exhale: float, hold_out: float) -> BreathingPattern:
    """A user's own rhythm; raises ValueError, with a message fit to show them, if it's out of range.

    Each phase lasts 0 to 12 seconds; breathing in and breathing out last at least 2. Holds of
    0 seconds are left out of the phases.
    """
    lows = (MIN_BREATH_SECONDS, 0.0, MIN_BREATH_SECONDS, 0.0)
    seconds: list[float] = []
    for index, (value, low) in enumerate(zip((inhale, hold_in, exhale, hold_out), lows, strict=True)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(_NEEDS_A_NUMBER[index]) from None
        if not math.isfinite(number) or not low <= number <= MAX_PHASE_SECONDS:
            high = _seconds(MAX_PHASE_SECONDS)
            raise ValueError(_(_OUT_OF_RANGE[index], low=_seconds(low), high=high))
        seconds.append(number)
    inhale, hold_in, exhale, hold_out = seconds

    words = (BREATHE_IN, HOLD, BREATHE_OUT, HOLD)
    phases = tuple((word, s) for word, s in zip(words, seconds, strict=True) if s > 0)
    how = _(
        _HOW_CUSTOM[bool(hold_in), bool(hold_out)],
        inhale=_seconds(inhale),
        hold_in=_seconds(hold_in),
        exhale=_seconds(exhale),
        hold_out=_seconds(hold_out),
    )
    return BreathingPattern(
        id="custom",
        name=_("Custom"),
        phases=phases,
        when=_("When you already know the rhythm that settles you."),
        how=how,
    )


BREATHING_PATTERNS: dict[str, BreathingPattern] = {
    "box": BreathingPattern(
        id="box",
        name=_("Box breathing 4-4-4-4"),
        phases=((BREATHE_IN, 4), (HOLD, 4), (BREATHE_OUT, 4), (HOLD, 4)),
        when=_("Before a big call: it steadies you without making you sleepy."),
        how=_(
            "Breathe in through your nose for a slow count of four, hold for four, breathe out for "
            "four, then hold for four. Repeat four rounds, about a minute. If the holds feel "
            "uncomfortable, make them shorter."
        ),
    ),
    "478": BreathingPattern(
        id="478",
        name=_("4-7-8"),
        phases=((BREATHE_IN, 4), (HOLD, 7), (BREATHE_OUT, 8)),
        when=_("At the end of a long day of calls, when you want to wind down."),
        how=_(
            "Breathe in quietly through your nose for a count of four, hold for seven, then breathe "
            "out through your mouth for eight. Do four rounds. If the hold is too long, count faster "
            "but keep the same proportions."
        ),
    ),
    "sigh": BreathingPattern(
        id="sigh",
        name=_("Physiological sigh"),
        phases=((BREATHE_IN, 2), (_("Top up"), 1), (_("Long breath out"), 6)),
        when=_("Right after a call that rattled you, when you have less than a minute."),
        how=_(
            "Breathe in through your nose, then take a second short breath in on top of the first. "
            "Let it all go in one long, slow breath out through your mouth. Two or three rounds are "
            "enough."
        ),
    ),
    "coherent": BreathingPattern(
        id="coherent",
        name=_("Coherent 5-5"),
        phases=((BREATHE_IN, 5), (BREATHE_OUT, 5)),
        when=_("Between calls on a heavy day: an even rhythm to come back to for a few minutes."),
        how=_(
            "Breathe in gently through your nose for a count of five, then out for a count of five, "
            "with no pause in between. Keep it smooth and easy for three to five minutes."
        ),
    ),
    "custom": custom_pattern(4, 0, 6, 0),
}


_AFFIRMATIONS_BY_ID: dict[str, Affirmation] = {a.id: a for a in AFFIRMATIONS}


def affirmation_by_id(id: str) -> Affirmation | None:
    """The affirmation with this id, or None if it has been retired."""
    return _AFFIRMATIONS_BY_ID.get(id)


def prompt_for_day(prompts: Sequence[Prompt], seed: str, day: date) -> Prompt:
    """The prompt to show on `day`: the same all day, for every process, and varied across days.

    The choice hashes f"{seed}|{day.isoformat()}" with SHA-256, never the built-in hash(),
    which Python salts differently in every process. `seed` is typically the user's id plus the
    place the prompt appears, so different users and screens don't move in lockstep.
    """
    if not prompts:
        raise ValueError("There are no prompts to choose from.")
    digest = hashlib.sha256(f"{seed}|{day.isoformat()}".encode()).digest()
    return prompts[int.from_bytes(digest[:8], "big") % len(prompts)]


def cycle_seconds(pattern: BreathingPattern) -> float:
    """How long one round of the pattern takes, in seconds."""
    return float(sum(seconds for _, seconds in pattern.phases))
