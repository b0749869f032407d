"""`flask --app webapp demo create`: an account with a believable history, for demos and benchmarks.

Completions go through `webapp.routines.completions.record_history`, the bulk form of the one
completion writer (the same local day, clean data, side effects and derived state), so three
years seed in seconds. Setbacks, pauses and goal amounts logged without a review go straight
into their tables. The same seed and the same `now` give the same history.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from webapp.auth.core import normalise_email
from webapp.auth.forms import PASSWORD_MAX, PASSWORD_MIN
from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.extensions import db
from webapp.goals.core import days_on, in_target_units, suggest_target, week_start
from webapp.goals.models import Goal, GoalEntry, WeeklyReview
from webapp.localday import is_valid_time_zone
from webapp.routines import content, core
from webapp.routines.completions import Write, record_history
from webapp.routines.core import Schedule
from webapp.routines.models import (
    Pause,
    RoutineSetting,
    UserAffirmation,
)
from webapp.routines.schedule import schedules_for
from webapp.routines.settings import create_default_settings, schedule_versions
from webapp.setbacks.models import Setback

DEMO_EMAIL = "demo@rebound.example"
DEMO_NAME = "Sam"
DEFAULT_DAYS_OF_HISTORY = 120
DEFAULT_ZONE = "Europe/London"
DEFAULT_SEED = 7
MAX_DAYS_OF_HISTORY = 3660

# How often each routine is done on a day it is on, outside the gaps and the pause. After the
# pause the rates rise a little: people come back from a week off with some resolve.
DONE_RATE = {"morning": 0.8, "breathe": 0.7, "reflect": 0.75, "goals": 0.6}
COMEBACK_BONUS = 0.08
# Local times (hour, minute) between which each thing usually happens.
WINDOWS = {
    "morning": ((7, 20), (9, 10)),
    "breathe": ((10, 0), (16, 30)),
    "goals": ((17, 0), (18, 20)),
    "reflect": ((18, 15), (21, 40)),
    "setback": ((9, 0), (17, 30)),
    "follow_up": ((9, 30), (16, 0)),
}
MOOD_WEIGHTS = {1: 2, 2: 13, 3: 42, 4: 35, 5: 8}
OBJECTION_WEIGHTS = {
    "price": 24,
    "timing": 20,
    "went_silent": 20,
    "no_need": 12,
    "competitor": 10,
    "no_authority": 8,
    "other": 6,
}
BREATHING_WEIGHTS = {"box": 40, "sigh": 25, "478": 20, "coherent": 15}
BREATHING_SECONDS = (60, 60, 60, 90, 120, 120, 180, 240, 300)
SETBACK_DAY_RATE = 0.6
SETBACKS_PER_DAY_WEIGHTS = {1: 55, 2: 30, 3: 15}
FOLLOW_UP_RATE = 0.4
AMOUNTS_WITHOUT_REVIEW_RATE = 0.85


@dataclass(frozen=True)
class DemoGoal:
    name: str
    kind: str
    period: str
    target: int
    mean: float  # a worked day's usual amount
    spread: float


GOALS = (
    DemoGoal("Calls", "activity", "day", 20, 18, 5),
    DemoGoal("Follow-ups", "activity", "day", 10, 9, 3),
    DemoGoal("Demos", "activity", "week", 3, 0.6, 0.8),
    DemoGoal("Meetings booked", "outcome", "week", 4, 0.8, 0.9),
)

OWN_AFFIRMATIONS = (
    ("I've closed harder deals than this one.", True),
    ("Every call is practice, and practice works.", False),
    ("A slow week is part of the job, not a verdict on me.", False),
    ("The pipeline is built one honest conversation at a time.", False),
)

INTENTIONS = (
    "Twenty calls before lunch, one slow breath between each.",
    "Ask one more question before I pitch.",
    "Follow up with everyone from last week's demos.",
    "Stay curious on every call, even the short ones.",
    "Book two meetings.",
    "Listen more than I talk.",
    "Protect my call block from nine to eleven.",
    "Prepare properly for the two o'clock demo.",
    "Ask for the next step at the end of every call.",
    "Clear the follow-up list before I prospect.",
    "Find the second stakeholder at the logistics account.",
    "Keep the energy up after lunch.",
)

WENT_WELL = (
    "Got through to two decision makers before lunch.",
    "The discovery call with the logistics firm went deep.",
    "Kept my energy up through the afternoon call block.",
    "A prospect from last month replied and asked for a demo.",
    "Handled the price question calmly.",
    "Booked a meeting from a cold call.",
    "Good coaching session with my manager.",
    "Cleared my follow-up list.",
    "Asked better questions on every call.",
    "Stayed with the plan even after a rough morning.",
    "The demo landed: they asked about rollout, not price.",
    "Two referrals from a happy customer.",
)
DIDNT_GO_WELL = (
    "Two no's in a row shook me for an hour.",
    "Lost the renewal I was counting on.",
    "Spent too long on email and not enough on the phone.",
    "Talked too much on the demo.",
    "Got pulled into admin and missed my call block.",
    "A prospect I liked went quiet.",
    "Pushed for the close too early.",
    "Forgot to confirm the meeting and they didn't show.",
    "Rushed my prep for the afternoon call.",
    "Let one rude gatekeeper set the tone for the afternoon.",
)
LEARNED = (
    "Qualify the budget before the demo, not after.",
    "Find the second stakeholder early.",
    "End every call with a clear next step.",
    "Silence after a proposal usually means a new priority, not a no.",
    "A price objection is often a value question in disguise.",
    "Ask what happens if they do nothing.",
    "Mornings are my best calling time; guard them.",
    "A short pause before answering makes me sound surer.",
    "Send the recap the same day while it's fresh.",
    "People buy when the timing is theirs, not mine.",
)
REFRAMES = (
    "That no was about their budget, not about me.",
    "One lost deal is information about the market.",
    "They said no to the offer, not to me.",
    "I control the calls I make and how I make them, nothing more.",
    "A quiet day is still a day of practice.",
    "The next call is a fresh start.",
    "Going silent usually means they're busy, not that I failed.",
    "Now I know one more thing this kind of buyer worries about.",
)
SMALL_WINS = (
    "Sent every follow-up I promised.",
    "Got a referral.",
    "Made my twenty calls.",
    "Booked a demo for Thursday.",
    "Asked for feedback on a lost deal and got an honest answer.",
    "Took a breath before the hard call.",
    "Updated the CRM before leaving.",
    "Left a voicemail I was proud of.",
    "Got a real objection instead of a brush-off.",
    "Finished on time.",
)

WHAT_HAPPENED = {
    "price": (
        "Procurement came back and said we're 20% over budget.",
        "They liked the demo, but the number didn't work for this quarter.",
        "The CFO cut the line item after the pricing call.",
        "Asked for a discount I couldn't give, and walked.",
    ),
    "timing": (
        "Good call, but they're mid-reorganisation and want to revisit next quarter.",
        "My champion says the project is parked until the new financial year.",
        "They're locked into their current contract until the autumn.",
        "Not now, maybe after their product launch.",
    ),
    "went_silent": (
        "Third email with no reply since the proposal went out.",
        "My champion stopped answering after the pricing page.",
        "They missed the follow-up call and haven't rescheduled.",
        "Opened the proposal twice, then nothing.",
    ),
    "no_need": (
        "They built something in-house that covers most of it.",
        "They say the current process works well enough.",
        "Small team; they don't feel the pain yet.",
    ),
    "competitor": (
        "They went with the incumbent, mostly on integration.",
        "Lost to a cheaper tool their sister company already uses.",
        "A competitor offered a free pilot and they took it.",
    ),
    "no_authority": (
        "My contact liked it but can't sign off, and the VP wasn't interested.",
        "Three calls with someone who had no budget.",
        "The decision moved to head office.",
    ),
    "other": (
        "The gatekeeper hung up before I finished my opener.",
        "A rough cold call: they were having a bad day.",
        "Meeting cancelled an hour before, no reason given.",
    ),
}
CONTROLLED = (
    "I could have asked about budget on the first call.",
    "I sent the proposal without confirming who signs.",
    "I followed up within a day, which was right.",
    "I let the call drift into features too early.",
    "I did my prep; this one wasn't mine to win.",
    "I could have brought in a second contact sooner.",
    "I asked good questions; the timing just isn't there.",
    "I kept my tone steady when they pushed back.",
)
SETBACK_LESSONS = (
    "Qualify budget and timing before the demo.",
    "Multi-thread every deal over a certain size.",
    "Agree the next step and its date before hanging up.",
    "Price objections need a value story, not a discount.",
    "Check in with a useful article rather than a bare follow-up.",
    "Ask who else is involved in the decision, every time.",
)

REVIEW_HELPED = (
    "Protecting the morning call block.",
    "A breath before the harder calls.",
    "Writing down one lesson after each lost deal.",
    "Following up on the same day.",
    "Preparing the night before.",
)
REVIEW_CHANGE = (
    "Fewer emails, more calls before lunch.",
    "Qualify budget earlier.",
    "Book the follow-up before the call ends.",
    "Take a proper lunch break.",
    "Start the week's prospect list on Friday afternoon.",
)

WEEKLY_REVIEWS = 6  # at most, among the last weeks of history


@dataclass(frozen=True)
class Summary:
    """What a seeding wrote, for the command's output and for tests."""

    first_day: date
    completions: int
    reflections: int
    setbacks: int
    goal_entries: int
    pauses: int
    weekly_reviews: int


def new_client_id(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, so a seeded history is the same every time."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sentences(rng: random.Random, pool: tuple[str, ...], most: int = 2) -> str:
    return " ".join(rng.sample(pool, rng.randint(1, most)))


def _moment(rng: random.Random, day: date, window: str, zone: str) -> datetime:
    """A random moment on `day` in `zone` inside the named window of local hours."""
    (start_hour, start_minute), (end_hour, end_minute) = WINDOWS[window]
    start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
    minute = start + rng.randrange(end - start)
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def _window_picks(
    rng: random.Random, lengths: list[int], low: date, high: date, taken: set[date]
) -> list[set[date]]:
    """Runs of days of these lengths between `low` and `high`, each a day clear of `taken` and the others."""
    runs = []
    for length in lengths:
        span = (high - low).days - length + 1
        for _ in range(100):
            if span <= 0:
                break
            start = low + timedelta(days=rng.randrange(span))
            if not any(start + timedelta(days=i) in taken for i in range(-1, length + 1)):
                run = {start + timedelta(days=i) for i in range(length)}
                taken |= run
                runs.append(run)
                break
    return runs


def _pause_range(first_day: date, today: date, days: int) -> tuple[date, date] | None:
    """A week of "vacation" about a month ago; shorter and earlier in a short history."""
    if days < 10:
        return None
    if days >= 60:
        start, length = today - timedelta(days=35), 7
    else:
        start, length = first_day + timedelta(days=days // 3), max(2, days // 10)
    return start, start + timedelta(days=length - 1)


def _ensure_schedule(user, first_day: date, now: datetime) -> None:
    """Default days for every routine from `first_day`, or move the first existing version back to it."""
    has_settings = db.session.scalar(db.select(RoutineSetting.id).filter_by(user_id=user.id).limit(1))
    versions = schedule_versions(user.id)
    if not versions and has_settings is None:
        create_default_settings(user, first_day, now)
        return
    seen = set()
    for version in versions:  # oldest first
        if version.routine not in seen:
            seen.add(version.routine)
            version.effective_from = min(version.effective_from, first_day)


def seed_history(
    user,
    days: int,
    rng: random.Random,
    now: datetime,
    *,
    setbacks: int | None = None,
    reflections: int | None = None,
) -> Summary:
    """Give an account with no history `days` days of believable practice before today (and today so far).

    `setbacks` and `reflections`, when given, are exact counts spread over the history (a
    reflection a day at most); otherwise they follow the account's natural rhythm. Commits.
    """
    zone = user.time_zone
    day_of = user.local_day
    today = day_of(now)
    first_day = today - timedelta(days=days)
    start_moment = min(_moment(rng, first_day, "morning", zone), now)
    if user.created_at is None or user.created_at > start_moment:
        user.created_at = start_moment
    _ensure_schedule(user, first_day, start_moment)
    db.session.flush()
    schedules = schedules_for(user)
    on_days = {routine: schedules[routine].weekdays_on(today) for routine in core.ROUTINES}

    # The shape of the history: a pause, a few short gaps (a freeze covers them) and one long
    # enough to break a streak, all away from the first and last week.
    pause = _pause_range(first_day, today, days)
    paused = {pause[0] + timedelta(days=i) for i in range((pause[1] - pause[0]).days + 1)} if pause else set()
    # Five days away miss at least three workdays: more than the two freezes anyone can hold.
    gap_lengths = [2] * max(1, days // 50) + ([5 if days >= 45 else 3] if days >= 21 else [])
    gaps = _window_picks(
        rng, gap_lengths, first_day + timedelta(days=7), today - timedelta(days=7), set(paused)
    )
    away = paused.union(*gaps)

    pause_rows = []
    if pause:
        asked_at = min(_moment(rng, pause[0] - timedelta(days=3), "reflect", zone), now)
        pause_rows = [
            Pause(user_id=user.id, routine=routine, starts_on=pause[0], ends_on=pause[1], created_at=asked_at)
            for routine in core.ROUTINES
        ]
        db.session.add_all(pause_rows)

    goals = [
        Goal(
            user_id=user.id,
            name=goal.name,
            kind=goal.kind,
            period=goal.period,
            target=goal.target,
            created_at=start_moment,
        )
        for goal in GOALS
    ]
    own = [
        UserAffirmation(
            user_id=user.id,
            text=text,
            favourite=favourite,
            created_at=min(_moment(rng, first_day + timedelta(days=3 * n), "reflect", zone), now),
        )
        for n, (text, favourite) in enumerate(OWN_AFFIRMATIONS)
    ]
    db.session.add_all(goals + own)
    db.session.flush()
    pool = [affirmation.id for affirmation in content.AFFIRMATIONS]
    favourite_own = frozenset(f"own-{a.id}" for a in own if a.favourite)

    history = [first_day + timedelta(days=i) for i in range(days + 1)]
    past_days = history[:-1]
    reflect_days: set[date] | None = None
    if reflections is not None:
        # Weekdays first, then weekends, then days away: each rank gets a random jitter.
        def rank(day: date) -> float:
            return rng.random() + (0.6 if day.weekday() >= 5 else 0) + (1.5 if day in away else 0)

        reflect_days = set(sorted(past_days, key=rank)[: max(0, min(reflections, len(past_days)))])
    setback_counts: Counter[date] | None = None
    if setbacks is not None:
        workdays = [day for day in past_days if day.weekday() < 5 and day not in away] or past_days
        setback_counts = Counter(rng.choice(workdays) for _ in range(setbacks if workdays else 0))

    writes: list[Write] = []
    setback_rows: list[dict] = []
    entry_rows: list[dict] = []
    amounts: dict[tuple[int, date], int] = {}
    used: set[tuple[str, date]] = set()

    def add_completion(routine: str, moment: datetime, data: dict) -> bool:
        """Stage one completion; False when it would be in the future or its day is taken."""
        day = day_of(moment)
        if moment > now or (routine, day) in used:
            return False
        used.add((routine, day))
        writes.append(Write(new_client_id(rng), routine, moment, data))
        return True

    for day in history:
        workday = day.weekday() < 5
        is_away = day in away
        bonus = COMEBACK_BONUS if pause and day > pause[1] else 0.0

        def is_done(routine: str, day=day, is_away=is_away, bonus=bonus) -> bool:
            if is_away or day.weekday() not in on_days[routine]:
                return False
            return rng.random() < DONE_RATE[routine] + bonus

        # Setbacks first: a hard day shows in the evening's mood.
        if setback_counts is not None:
            count = setback_counts.get(day, 0)
        elif workday and not is_away and day < today and rng.random() < SETBACK_DAY_RATE:
            count = _weighted(rng, SETBACKS_PER_DAY_WEIGHTS)
        else:
            count = 0
        for _ in range(count):
            setback_rows.append(_setback_row(rng, user.id, day, today, now, zone, day_of))

        if is_done("morning"):
            moment = _moment(rng, day, "morning", zone)
            ids = core.daily_affirmations(
                pool,
                str(user.id),
                day,
                favourites=favourite_own,
                own=[f"own-{a.id}" for a in own if a.created_at <= moment],
            )
            data = {"intention": rng.choice(INTENTIONS) if rng.random() < 0.8 else "", "affirmation_ids": ids}
            add_completion("morning", moment, data)

        if is_done("breathe"):
            data = {"pattern": _weighted(rng, BREATHING_WEIGHTS), "seconds": rng.choice(BREATHING_SECONDS)}
            add_completion("breathe", _moment(rng, day, "breathe", zone), data)

        logs_amounts = workday and not is_away
        review = is_done("goals")
        if logs_amounts and (review or rng.random() < AMOUNTS_WITHOUT_REVIEW_RATE):
            moment = _moment(rng, day, "goals", zone)
            if moment <= now:
                progress = {}
                for goal, demo_goal in zip(goals, GOALS, strict=True):
                    amount = max(0, round(rng.gauss(demo_goal.mean, demo_goal.spread)))
                    amounts[(goal.id, day)] = amount
                    progress[str(goal.id)] = amount
                # A review saves the day's amounts; without one they were counted with +1.
                if not (review and add_completion("goals", moment, {"progress": progress})):
                    entry_rows += [
                        {"user_id": user.id, "goal_id": int(goal_id), "local_day": day, "amount": amount}
                        for goal_id, amount in progress.items()
                    ]

        reflects = (day in reflect_days) if reflect_days is not None else is_done("reflect")
        if reflects:
            mood = _weighted(rng, MOOD_WEIGHTS)
            if count >= 2 and rng.random() < 0.5:
                mood = max(1, mood - 1)
            data = {
                "went_well": _sentences(rng, WENT_WELL),
                "didnt_go_well": _sentences(rng, DIDNT_GO_WELL) if rng.random() < 0.85 else "",
                "learned": _sentences(rng, LEARNED),
                "reframe": rng.choice(REFRAMES) if rng.random() < 0.7 else "",
                "small_win": rng.choice(SMALL_WINS),
                "mood": mood,
            }
            moment = _moment(rng, day, "reflect", zone)
            add_completion("reflect", moment, data)

    for model, rows in ((Setback, setback_rows), (GoalEntry, entry_rows)):
        if rows:
            db.session.execute(db.insert(model), rows)

    reviews = _weekly_reviews(
        rng, user.id, goals, amounts, on_days["goals"], first_day, today, pause, now, zone
    )
    db.session.add_all(reviews)
    completions = record_history(user, writes, now)
    # The days on and the pause changed every routine, done or not.
    refresh_derived(user, set(core.ROUTINES) - {c.routine for c in completions}, now)
    db.session.commit()
    return Summary(
        first_day=first_day,
        completions=len(completions),
        reflections=sum(c.routine == "reflect" for c in completions),
        setbacks=len(setback_rows),
        goal_entries=len(entry_rows),
        pauses=len(pause_rows),
        weekly_reviews=len(reviews),
    )


def _setback_row(rng, user_id: int, day: date, today: date, now: datetime, zone: str, day_of) -> dict:
    objection = _weighted(rng, OBJECTION_WEIGHTS)
    occurred_at = min(_moment(rng, day, "setback", zone), now)
    follow_up_on = followed_up_at = None
    if objection != "no_need" and rng.random() < FOLLOW_UP_RATE:
        follow_up_on = day + timedelta(days=rng.randint(2, 21))
        if follow_up_on.weekday() >= 5:
            follow_up_on += timedelta(days=7 - follow_up_on.weekday())
        # Older follow-ups were done; recent ones are sometimes still waiting, so some are due.
        overdue_days = (today - follow_up_on).days
        if overdue_days > 14 or (overdue_days > 0 and rng.random() < 0.5):
            followed_up_at = min(_moment(rng, follow_up_on, "follow_up", zone), now)
    client_id = new_client_id(rng)
    return {
        "user_id": user_id,
        "client_id": client_id,
        "occurred_at": occurred_at,
        "local_day": day_of(occurred_at),
        "what_happened": rng.choice(WHAT_HAPPENED[objection]),
        "objection": objection,
        "controlled": rng.choice(CONTROLLED) if rng.random() < 0.8 else "",
        "learned": rng.choice(SETBACK_LESSONS) if rng.random() < 0.7 else "",
        "follow_up_on": follow_up_on,
        "followed_up_at": followed_up_at,
        # From the id, not another draw: the rest of the history stays as it was before outcomes.
        "follow_up_outcome": _follow_up_outcome(client_id) if followed_up_at else None,
        "created_at": min(occurred_at + timedelta(minutes=rng.randint(1, 90)), now),
    }


def _follow_up_outcome(client_id: str) -> str:
    """About one follow-up in five wins the deal back; the rest split between a no and silence."""
    share = int(client_id.replace("-", "")[:8], 16) % 20
    return "won_back" if share < 4 else "still_no" if share < 12 else "no_answer"


def _weekly_reviews(
    rng, user_id, goals, amounts, weekdays, first_day, today, pause, now, zone
) -> list[WeeklyReview]:
    """A few reviews of recent whole weeks, written on the Friday afternoon, with next week's targets."""
    pauses = [pause] if pause else []
    reviews = []
    monday = week_start(today) - timedelta(days=7)
    while len(reviews) < WEEKLY_REVIEWS and monday >= first_day:
        friday = monday + timedelta(days=4)
        written_at = _moment(rng, friday, "goals", zone)
        skip = rng.random() < 0.3 or (pause and pause[0] <= friday <= pause[1]) or written_at > now
        if not skip:
            targets = {}
            for goal in goals:
                actuals = []
                for back in range(3, -1, -1):
                    week = monday - timedelta(days=7 * back)
                    total = sum(amounts.get((goal.id, week + timedelta(days=i)), 0) for i in range(7))
                    on = days_on(week, Schedule(((first_day, weekdays),), tuple(pauses)), since=first_day)
                    value = in_target_units(total, goal.period, on)
                    if value is not None and week >= first_day:
                        actuals.append(value)
                targets[str(goal.id)] = suggest_target(actuals, goal.target)
            reviews.append(
                WeeklyReview(
                    user_id=user_id,
                    week_start=monday,
                    helped=rng.choice(REVIEW_HELPED),
                    change=rng.choice(REVIEW_CHANGE),
                    next_targets=targets,
                    written_at=written_at,
                )
            )
        monday -= timedelta(days=7)
    return reviews


def make_account(email: str, password: str, zone: str, now: datetime, name: str = DEMO_NAME) -> User:
    """A bare account (seed_history adds its settings and history)."""
    user = User(email=email, display_name=name, time_zone=zone, created_at=now)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


demo = AppGroup("demo", help="Demo data.")


@demo.command("create")
@click.option("--email", default=DEMO_EMAIL, show_default=True, help="The demo account's email.")
@click.option(
    "--days",
    default=DEFAULT_DAYS_OF_HISTORY,
    show_default=True,
    type=click.IntRange(1, MAX_DAYS_OF_HISTORY),
    help="Days of history before today.",
)
@click.option("--password", help="The account's password (a new one is made and printed when not given).")
@click.option("--zone", default=DEFAULT_ZONE, show_default=True, help="The account's IANA time zone.")
@click.option(
    "--seed", default=DEFAULT_SEED, show_default=True, type=int, help="The same seed, the same history."
)
@click.option("--replace", is_flag=True, help="Delete an existing account with this email first.")
def create_command(email: str, days: int, password: str | None, zone: str, seed: int, replace: bool) -> None:
    """Make an account with a realistic history of routines, reflections, setbacks and goals."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("use an email address such as demo@rebound.example.", param_hint="--email")
    if not is_valid_time_zone(zone):
        raise click.BadParameter("use an IANA time zone such as Europe/London.", param_hint="--zone")
    if password is not None and not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.BadParameter(
            f"use between {PASSWORD_MIN} and {PASSWORD_MAX} characters.", param_hint="--password"
        )
    existing = db.session.scalar(db.select(User).filter_by(email=email))
    if existing is not None and not replace:
        raise click.ClickException(
            f"An account with the email {email} already exists; nothing was changed. "
            "Add --replace to delete it and make it again, or choose another --email."
        )
    if existing is not None:
        # Deleted in the same transaction as the new one is made: a failure keeps the old account.
        db.session.delete(existing)
        db.session.flush()
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    now = utcnow()
    user = make_account(email, password, zone, now)
    summary = seed_history(user, days, random.Random(seed), now)
    click.echo(
        f"{'Replaced' if existing is not None else 'Made'} {email} ({zone}) with {days} days of history "
        f"from {summary.first_day.isoformat()}: {summary.completions} completions, "
        f"{summary.reflections} reflections, {summary.setbacks} setbacks, {summary.goal_entries} goal "
        f"entries, {summary.weekly_reviews} weekly reviews, a pause on {summary.pauses} routines."
    )
    if generated:
        click.echo(f"Password: {password}")


def init_app(app) -> None:
    app.cli.add_command(demo)
