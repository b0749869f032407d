"""Rebound's words: affirmations, prompts, self-compassion lines and breathing patterns.

A pure data module (standard library only) so that writers can edit it and translators can
extract it without touching the app. House rules for the words:

- A calm, experienced colleague: warm and brief, specific to selling. No exclamation marks,
  no hype ("unstoppable", "crush it"), no therapy-speak, no guilt about missed days and no
  medical claims.
- Affirmations are first person, present tense, believable, at most 140 characters.
- Every `id` is stored in users' data (favourites, history). Never change or reuse one once
  shipped: to retire a line, delete it; to reword one, keep its id only if the meaning holds.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Affirmation:
    id: str
    theme: str
    text: str


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
    "self-worth": "Self-worth is not the deal",
    "resilience": "Resilience",
    "curiosity": "Curiosity about the buyer",
    "persistence": "Persistence and follow-up",
    "preparation": "Preparation",
    "self-compassion": "Self-compassion",
    "learning": "Learning from a no",
}


def _affirmations(theme: str, *texts: str) -> tuple[Affirmation, ...]:
    # Ids are "<theme>-<n>" in the order written here. Add new lines at the end of a theme
    # so that existing ids keep pointing at the same words.
    return tuple(Affirmation(f"{theme}-{n}", theme, text) for n, text in enumerate(texts, start=1))


AFFIRMATIONS: tuple[Affirmation, ...] = (
    *_affirmations(
        "self-worth",
        "A no is a decision about their budget and timing, not about my worth.",
        "My value doesn't rise and fall with today's pipeline.",
        "I am the same person before and after this call, whatever they decide.",
        "A lost deal tells me about their situation. It says nothing about my character.",
        "I bring something useful to every conversation, even the ones that end in no.",
        "My quota is a number I work toward. It is not a measure of me.",
        "When a buyer says no, they are turning down an offer, not me.",
        "I can respect their decision and still respect myself.",
        "I earned my place on this team, and one quiet month doesn't take it away.",
        "I'm good at this work, and I still lose deals. Both are true.",
        "The people who matter most to me don't know or care about my close rate.",
    ),
    *_affirmations(
        "resilience",
        "I have recovered from harder calls than this one.",
        "I can feel the sting of a no and still pick up the next call.",
        "A rough morning doesn't decide my afternoon.",
        "I take a breath, reset, and start the next conversation fresh.",
        "I've had slow quarters before, and I found my way through them.",
        "Setbacks come with the job I chose, and I know how to handle them.",
        "One bad call is one data point for me, not a pattern.",
        "I can let this call go and give the next buyer my full attention.",
        "Pressure slows me down sometimes. It doesn't stop me.",
        "I give myself a minute after a hard call, and then I'm ready again.",
        "The next call is a new conversation, and I get to start it fresh.",
    ),
    *_affirmations(
        "curiosity",
        "I can be curious about why this buyer hesitated.",
        "I treat each prospect as a question I want to answer.",
        "I want to understand what is really in their way.",
        "Every objection I hear shows me what the buyer cares about.",
        "I ask one more question before I assume I know the answer.",
        "A dead end teaches me something about the market I work in.",
        "I listen for what the buyer isn't saying yet.",
        "I'm more interested in their problem than in my pitch.",
        "When a call goes sideways, I get curious instead of defensive.",
        "I wonder what a good week looks like for this buyer, and I ask.",
        "A surprising answer is the most useful thing I can hear today.",
    ),
    *_affirmations(
        "persistence",
        "Every follow-up I send keeps a door open.",
        "A no today can be a yes next quarter, so I stay in touch.",
        "I follow up because I said I would.",
        "I keep showing up with something useful, not just a reminder.",
        "Most deals take more than one conversation, and I'm patient with that.",
        "I can be persistent and polite at the same time.",
        "I send the note I promised, even when it feels small.",
        "The relationships I keep warm today become conversations later.",
        "I do the steady work: one more call, one more email, one more week.",
        "Silence isn't an answer yet, so I check in once more.",
        "I count the calls I made today, not only the ones that closed.",
    ),
    *_affirmations(
        "preparation",
        "I walk into this call knowing why it matters to them.",
        "I prepared well, and that gives me something solid to lean on.",
        "I know my product well enough to be honest about what it can't do.",
        "I have three good questions ready, and that's enough to start.",
        "I've thought about their likely objections, and I'm ready to listen to them.",
        "Ten minutes of research lets me talk about their business, not mine.",
        "I know what I want from this call and what a good next step looks like.",
        "I can't control their answer. I can control how ready I am.",
        "I rehearse the hard part of the call so it feels familiar when it comes.",
        "My notes from our last conversation let me pick up where we left off.",
        "I'm prepared, and I'm still willing to follow the conversation where it goes.",
    ),
    *_affirmations(
        "self-compassion",
        "I talk to myself the way I'd talk to a colleague who just lost a deal.",
        "Everyone who sells loses deals, and today it was my turn.",
        "I can have a bad day without deciding it means something about me.",
        "I'm doing a hard job, and I'm allowed to find it hard.",
        "I give myself the same patience I give a slow-moving buyer.",
        "When I'm hard on myself, I ask what a good manager would say instead.",
        "A missed target is something for me to work on, not something to punish myself for.",
        "I can rest tonight and pick this up fresh tomorrow.",
        "I'm still learning this craft, and that's fine.",
        "I don't have to replay that call all evening.",
        "I can feel flat after a loss and know that it passes.",
    ),
    *_affirmations(
        "learning",
        "Every no teaches me something if I take a minute to ask what.",
        "I look at what I controlled, and I let go of what I didn't.",
        "I write down what I'd do differently, and then I move on.",
        "I ask for feedback on lost deals because it makes me better.",
        "I'm a better seller than I was a year ago, and my losses helped.",
        "Each objection I hear makes me readier for the next time I hear it.",
        "I review my day to learn from it, not to judge it.",
        "One change to my approach is enough for me to work on this week.",
        "I can learn as much from a lost deal as from a won one.",
        "The pattern in my losses shows me where to practise.",
        "I share what I learned with my team, and I learn from what they share.",
    ),
)


VISUALISATIONS: tuple[Prompt, ...] = (
    Prompt(
        "visualise-1",
        "Picture the first thirty seconds of your next call. You say who you are and why you're "
        "calling, at an easy pace. The buyer answers with a question, and you're glad they did.",
    ),
    Prompt(
        "visualise-2",
        "Imagine the prospect raising the objection you least want to hear. You pause, nod, and ask "
        "what's behind it. The conversation keeps going.",
    ),
    Prompt(
        "visualise-3",
        "See yourself opening your notes five minutes before the meeting. You know their name, their "
        "role and one thing their company announced this month. You go in settled.",
    ),
    Prompt(
        "visualise-4",
        "Picture the buyer leaning in when you describe a customer just like them. They ask how long "
        "it took to see results. You tell them plainly.",
    ),
    Prompt(
        "visualise-5",
        "Imagine the call ending with a date in both calendars. You repeat the next step out loud and "
        "they agree. You hang up and write it down.",
    ),
    Prompt(
        "visualise-6",
        "Picture asking a question that makes the buyer stop and think. They say nobody has asked "
        "them that before. You listen to the whole answer.",
    ),
    Prompt(
        "visualise-7",
        "See yourself hearing 'just send me some information' and answering calmly. You ask what "
        "would make it useful to them. Now you have a real reason to follow up.",
    ),
    Prompt(
        "visualise-8",
        "Picture a prospect who went quiet replying to your follow-up. They say the timing is better "
        "now. You're glad you kept the door open.",
    ),
    Prompt(
        "visualise-9",
        "Imagine the moment the price comes up. You state it clearly, without apologising, and then "
        "stay quiet. They respond, and you take it from there.",
    ),
    Prompt(
        "visualise-10",
        "Picture yourself on a video call, shoulders loose, looking at the camera as you make your "
        "main point. The buyer nods. You feel steady.",
    ),
    Prompt(
        "visualise-11",
        "Imagine the buyer bringing a colleague into the call halfway through. You welcome them, sum "
        "up in two sentences, and ask what matters to them.",
    ),
    Prompt(
        "visualise-12",
        "See yourself telling a prospect honestly that one part of their need isn't a good fit for "
        "you. They thank you for saying so. The trust in the room goes up.",
    ),
    Prompt(
        "visualise-13",
        "Picture your first cold call of the day. The person picks up, you say your opening line, and "
        "they give you a minute. A minute is enough to ask one good question.",
    ),
    Prompt(
        "visualise-14",
        "Imagine the buyer mentioning they're also talking to a competitor. You ask what they like "
        "about the other option. You learn exactly what to focus on.",
    ),
    Prompt(
        "visualise-15",
        "Picture the end of today's last meeting. You asked your questions, you listened, and you "
        "know the next step. Whatever they decide, you did the work well.",
    ),
    Prompt(
        "visualise-16",
        "See yourself sitting down with the person who signs off. You thank them for their time and "
        "ask what prompted the meeting. They tell you, and you start from there.",
    ),
    Prompt(
        "visualise-17",
        "Imagine a buyer who said no last quarter picking up your call. They remember you because "
        "your last email was useful. The conversation starts warm.",
    ),
    Prompt(
        "visualise-18",
        "Picture yourself summing up the buyer's problem in their own words. They say, 'Yes, "
        "exactly.' Now you both know what you're solving.",
    ),
    Prompt(
        "visualise-19",
        "Imagine the point in the call where you ask for the business. You ask simply and clearly, "
        "then wait. Whatever the answer, you're glad you asked.",
    ),
    Prompt(
        "visualise-20",
        "Picture a discovery call where you talk less than half the time. You ask, they explain, you "
        "take notes. At the end they thank you for listening.",
    ),
)


REFLECTION_PROMPTS: tuple[Prompt, ...] = (
    Prompt("reflect-1", "What did this no teach me about the buyer?"),
    Prompt("reflect-2", "What happened today, in two or three plain sentences?"),
    Prompt("reflect-3", "Which parts of today's calls did I control, and how did I handle them?"),
    Prompt("reflect-4", "What would I change if I had that conversation again?"),
    Prompt("reflect-5", "What was the real objection underneath the one they said out loud?"),
    Prompt("reflect-6", "What question do I wish I had asked?"),
    Prompt("reflect-7", "What was today's small win: a meeting booked, a good question, a follow-up sent?"),
    Prompt("reflect-8", "Who could I ask for honest feedback on this deal?"),
    Prompt("reflect-9", "What does this buyer need that they haven't told me yet?"),
    Prompt("reflect-10", "What was in the buyer's way, apart from my offer?"),
    Prompt("reflect-11", "What did I learn about my market today that I didn't know this morning?"),
    Prompt("reflect-12", "Which conversation went better than I expected, and why?"),
    Prompt("reflect-13", "What would I tell a colleague who'd had my day?"),
    Prompt("reflect-14", "If this no was about timing, when is a good moment to get back in touch?"),
    Prompt("reflect-15", "What did I do today that I'd like to do again tomorrow?"),
    Prompt("reflect-16", "Judging by what they asked, what did the buyer care about most?"),
    Prompt("reflect-17", "Where did the conversation change direction, and what changed it?"),
    Prompt("reflect-18", "What is one thing I can prepare better for my next call?"),
    Prompt("reflect-19", "Who on my team handles this objection well, and what could I borrow?"),
    Prompt("reflect-20", "What am I quietly proud of today that no report will show?"),
    Prompt("reflect-21", "Which of today's setbacks will still matter in a month?"),
    Prompt("reflect-22", "What surprised me about a prospect today?"),
    Prompt("reflect-23", "What did I hear today that would make a useful follow-up?"),
    Prompt("reflect-24", "What did I do for my energy today: a walk, a proper lunch, a break between calls?"),
    Prompt("reflect-25", "Who could I talk to about a tough day, so I'm not carrying it alone?"),
    Prompt("reflect-26", "What would make tomorrow a good day, even if nobody says yes?"),
)


REFRAME_PROMPTS: tuple[Prompt, ...] = (
    Prompt("reframe-1", "What did this no teach me about the buyer?"),
    Prompt("reframe-2", "Was this mostly about their budget, their timing or their need?"),
    Prompt("reframe-3", "If I treat this no as market research, what did I find out?"),
    Prompt("reframe-4", "What was in their way, and how much of it was about me at all?"),
    Prompt("reframe-5", "What would I need to know to turn this into a yes next time?"),
    Prompt("reframe-6", "What is a more accurate story about this call than 'I failed'?"),
    Prompt("reframe-7", "What would a curious colleague ask me about this call?"),
    Prompt("reframe-8", "Which parts of this were outside my control?"),
    Prompt("reframe-9", "What does this objection tell me about how buyers like them decide?"),
    Prompt("reframe-10", "How could this no lead to a better conversation later?"),
    Prompt("reframe-11", "What did I do well in this call, even though it ended in no?"),
    Prompt("reframe-12", "What would I say to a friend who had just had this call?"),
)


SELF_COMPASSION_LINES: tuple[Prompt, ...] = (
    Prompt("kind-1", "Everyone who sells loses deals. Today it was your turn."),
    Prompt("kind-2", "Be as fair to yourself as you'd be to a colleague who just had that call."),
    Prompt("kind-3", "A flat day is still a day you showed up. That counts."),
    Prompt("kind-4", "You can put this one down for tonight. It will look smaller tomorrow."),
    Prompt("kind-5", "That call stung because you care about the work. That's not a flaw."),
    Prompt(
        "kind-6", "Nobody closes every deal. The best sellers you know have lost more deals than you have."
    ),
    Prompt("kind-7", "Take a minute before the next call. You don't have to carry this one into it."),
    Prompt("kind-8", "You did what you could with what you knew at the time."),
    Prompt("kind-9", "A lost deal is a hard hour, not a verdict on your career."),
    Prompt(
        "kind-10",
        "If it's been a run of hard days, tell someone: a peer, your manager, a friend. "
        "You don't have to carry it alone.",
    ),
    Prompt("kind-11", "Missed a few days of practice? That's fine. Pick it up whenever you're ready."),
    Prompt("kind-12", "You don't need to feel great to do the next small thing well."),
    Prompt(
        "kind-13", "Get some water, eat something, step outside for five minutes. The pipeline will wait."
    ),
    Prompt("kind-14", "Rough days pass. This one will too."),
)


OBJECTIONS: dict[str, str] = {
    "price": "Price",
    "timing": "Timing",
    "no_need": "No need",
    "competitor": "Went with a competitor",
    "no_authority": "No authority",
    "went_silent": "Went silent",
    "other": "Other",
}


# Bounds for a user's own pattern. Breathing in or out for under two seconds is a gasp, not a
# calming breath; twelve seconds is already long for any single phase.
MIN_BREATH_SECONDS = 2.0
MAX_PHASE_SECONDS = 12.0


def _seconds(value: float) -> str:
    return f"{value:g}"


def custom_pattern(inhale: float, hold_in: float, exhale: float, hold_out: float) -> BreathingPattern:
    """A user's own rhythm; raises ValueError, with a message fit to show them, if it's out of range.

    Each phase lasts 0 to 12 seconds; breathing in and breathing out last at least 2. Holds of
    0 seconds are left out of the phases.
    """
    named = (
        ("Breathing in", inhale, MIN_BREATH_SECONDS),
        ("The hold after breathing in", hold_in, 0.0),
        ("Breathing out", exhale, MIN_BREATH_SECONDS),
        ("The hold after breathing out", hold_out, 0.0),
    )
    seconds: list[float] = []
    for label, value, low in named:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{label} needs a number of seconds.") from None
        if not math.isfinite(number) or not low <= number <= MAX_PHASE_SECONDS:
            raise ValueError(
                f"{label} should last between {_seconds(low)} and {_seconds(MAX_PHASE_SECONDS)} seconds."
            )
        seconds.append(number)
    inhale, hold_in, exhale, hold_out = seconds

    words = ("Breathe in", "Hold", "Breathe out", "Hold")
    phases = tuple((word, s) for word, s in zip(words, seconds, strict=True) if s > 0)
    steps = [f"breathe in for {_seconds(inhale)} seconds"]
    if hold_in:
        steps.append(f"hold for {_seconds(hold_in)}")
    steps.append(f"breathe out for {_seconds(exhale)}")
    if hold_out:
        steps.append(f"hold for {_seconds(hold_out)}")
    how = (
        f"Count slowly: {', '.join(steps)}. "
        "Repeat for about a minute, and shorten any count that feels like a strain."
    )
    return BreathingPattern(
        id="custom",
        name="Custom",
        phases=phases,
        when="When you already know the rhythm that settles you.",
        how=how,
    )


BREATHING_PATTERNS: dict[str, BreathingPattern] = {
    "box": BreathingPattern(
        id="box",
        name="Box breathing 4-4-4-4",
        phases=(("Breathe in", 4), ("Hold", 4), ("Breathe out", 4), ("Hold", 4)),
        when="Before a big call: it steadies you without making you sleepy.",
        how=(
            "Breathe in through your nose for a slow count of four, hold for four, breathe out for "
            "four, then hold for four. Repeat four rounds, about a minute. If the holds feel "
            "uncomfortable, make them shorter."
        ),
    ),
    "478": BreathingPattern(
        id="478",
        name="4-7-8",
        phases=(("Breathe in", 4), ("Hold", 7), ("Breathe out", 8)),
        when="At the end of a long day of calls, when you want to wind down.",
        how=(
            "Breathe in quietly through your nose for a count of four, hold for seven, then breathe "
            "out through your mouth for eight. Do four rounds. If the hold is too long, count faster "
            "but keep the same proportions."
        ),
    ),
    "sigh": BreathingPattern(
        id="sigh",
        name="Physiological sigh",
        phases=(("Breathe in", 2), ("Top up", 1), ("Long breath out", 6)),
        when="Right after a call that rattled you, when you have less than a minute.",
        how=(
            "Breathe in through your nose, then take a second short breath in on top of the first. "
            "Let it all go in one long, slow breath out through your mouth. Two or three rounds are "
            "enough."
        ),
    ),
    "coherent": BreathingPattern(
        id="coherent",
        name="Coherent 5-5",
        phases=(("Breathe in", 5), ("Breathe out", 5)),
        when="Between calls on a heavy day: an even rhythm to come back to for a few minutes.",
        how=(
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
