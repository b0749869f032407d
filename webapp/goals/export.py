"""The `goals` part of export and import: goals with their daily amounts, and weekly reviews."""

from __future__ import annotations

from webapp.extensions import db
from webapp.goals.core import KINDS, MAX_NAME, MAX_TARGET, MIN_TARGET, PERIODS
from webapp.goals.models import Goal, GoalEntry, WeeklyReview
from webapp.portability import (
    Collection,
    ImportProblem,
    check_room,
    expect_dict,
    expect_list,
    read_date,
    read_datetime,
    read_str,
)
from webapp.routines.core import MAX_GOAL_AMOUNT, MAX_TEXT, is_int


def export_goals(user) -> dict:
    goals = list(db.session.scalars(db.select(Goal).filter_by(user_id=user.id).order_by(Goal.id)))
    entries: dict[int, list[dict]] = {goal.id: [] for goal in goals}
    for entry in db.session.scalars(
        db.select(GoalEntry).filter_by(user_id=user.id).order_by(GoalEntry.goal_id, GoalEntry.local_day)
    ):
        entries.setdefault(entry.goal_id, []).append(
            {"local_day": entry.local_day.isoformat(), "amount": entry.amount}
        )
    reviews = db.session.scalars(
        db.select(WeeklyReview).filter_by(user_id=user.id).order_by(WeeklyReview.week_start)
    )
    return {
        "goals": [
            {
                "id": goal.id,
                "name": goal.name,
                "kind": goal.kind,
                "period": goal.period,
                "target": goal.target,
                "archived": goal.archived,
                "created_at": goal.created_at.isoformat(),
                "entries": entries[goal.id],
            }
            for goal in goals
        ],
        "weekly_reviews": [
            {
                "week_start": review.week_start.isoformat(),
                "helped": review.helped,
                "change": review.change,
                "next_targets": review.next_targets,
                "written_at": review.written_at.isoformat(),
            }
            for review in reviews
        ],
    }


# Goals are a handful at a time; even archived ones add up to a few dozen over years.
MAX_GOALS = 200
MAX_ENTRIES_PER_GOAL = 5_000  # every day for almost 14 years
MAX_REVIEWS = 2_000  # every week for 38 years


def _read_goal(row, where: str) -> dict:
    row = expect_dict(row, where)
    old_id = row.get("id")
    if not is_int(old_id):
        raise ImportProblem(f"{where}.id: expected a whole number.")
    name = read_str(row, "name", where, MAX_NAME, required=True).strip()
    if not name:
        raise ImportProblem(f"{where}.name: empty.")
    kind, period, target = row.get("kind"), row.get("period"), row.get("target")
    if kind not in KINDS:
        raise ImportProblem(f"{where}.kind: expected one of {', '.join(KINDS)}.")
    if period not in PERIODS:
        raise ImportProblem(f"{where}.period: expected one of {', '.join(PERIODS)}.")
    if not is_int(target) or not MIN_TARGET <= target <= MAX_TARGET:
        raise ImportProblem(f"{where}.target: expected a whole number from {MIN_TARGET} to {MAX_TARGET}.")
    archived = row.get("archived", False)
    if not isinstance(archived, bool):
        raise ImportProblem(f"{where}.archived: expected true or false.")
    amounts = {}
    for index, item in enumerate(
        expect_list(row.get("entries", []), f"{where}.entries", MAX_ENTRIES_PER_GOAL)
    ):
        e_where = f"{where}.entries[{index}]"
        item = expect_dict(item, e_where)
        day = read_date(item, "local_day", e_where)
        amount = item.get("amount")
        if not is_int(amount) or not 0 <= amount <= MAX_GOAL_AMOUNT:
            raise ImportProblem(f"{e_where}.amount: expected a whole number from 0 to {MAX_GOAL_AMOUNT}.")
        if day in amounts:
            raise ImportProblem(f"{e_where}.local_day: {day.isoformat()} appears twice.")
        amounts[day] = amount
    return {
        "old_id": old_id,
        "name": name,
        "kind": kind,
        "period": period,
        "target": target,
        "archived": archived,
        "created_at": read_datetime(row, "created_at", where),
        "amounts": amounts,
    }


def _read_review(row, where: str, old_ids: set[int]) -> dict:
    row = expect_dict(row, where)
    week = read_date(row, "week_start", where)
    if week.weekday() != 0:
        raise ImportProblem(f"{where}.week_start: {week.isoformat()} is not a Monday.")
    targets = {}
    for key, target in expect_dict(row.get("next_targets", {}), f"{where}.next_targets").items():
        if not str(key).isdigit() or int(key) not in old_ids:
            raise ImportProblem(f"{where}.next_targets: goal {key} isn't among this file's goals.")
        if not is_int(target) or not MIN_TARGET <= target <= MAX_TARGET:
            raise ImportProblem(
                f"{where}.next_targets.{key}: expected a whole number from {MIN_TARGET} to {MAX_TARGET}."
            )
        targets[int(key)] = target
    return {
        "week_start": week,
        "helped": read_str(row, "helped", where, MAX_TEXT),
        "change": read_str(row, "change", where, MAX_TEXT),
        "targets": targets,
        "written_at": read_datetime(row, "written_at", where),
    }


def import_goals(user, value, now) -> None:
    """Add the file's goals (new ids) and weekly reviews; a goal already here is matched, not doubled.

    A goal matches one already in the account with the same name, kind, period and creation
    time (the same file imported twice); its amounts then take the file's numbers. Of two
    reviews of the same week, the one written later is kept.
    """
    part = expect_dict(value, "goals")
    goals = [
        _read_goal(row, f"goals.goals[{i}]")
        for i, row in enumerate(expect_list(part.get("goals", []), "goals.goals", MAX_GOALS))
    ]
    old_ids = [goal["old_id"] for goal in goals]
    if len(set(old_ids)) != len(old_ids):
        raise ImportProblem("goals.goals: two goals share an id.")
    reviews = [
        _read_review(row, f"goals.weekly_reviews[{i}]", set(old_ids))
        for i, row in enumerate(
            expect_list(part.get("weekly_reviews", []), "goals.weekly_reviews", MAX_REVIEWS)
        )
    ]
    weeks = [review["week_start"] for review in reviews]
    if len(set(weeks)) != len(weeks):
        raise ImportProblem("goals.weekly_reviews: a week appears twice.")

    existing = {
        (g.name, g.kind, g.period, g.created_at): g
        for g in db.session.scalars(db.select(Goal).filter_by(user_id=user.id))
    }
    new_ids: dict[int, int] = {}
    already = len(existing)
    added = sum(
        (data["name"], data["kind"], data["period"], data["created_at"]) not in existing for data in goals
    )
    check_room("goals.goals", already, added, MAX_GOALS)
    new_entries: list[dict] = []
    for data in goals:
        goal = existing.get((data["name"], data["kind"], data["period"], data["created_at"]))
        if goal is None:
            goal = Goal(
                user_id=user.id,
                name=data["name"],
                kind=data["kind"],
                period=data["period"],
                target=data["target"],
                archived=data["archived"],
                created_at=data["created_at"],
            )
            db.session.add(goal)
            db.session.flush()
        new_ids[data["old_id"]] = goal.id
        entries = {
            e.local_day: e for e in db.session.scalars(db.select(GoalEntry).filter_by(goal_id=goal.id))
        }
        for day, amount in data["amounts"].items():
            if day in entries:
                entries[day].amount = amount
            else:
                new_entries.append(
                    {"user_id": user.id, "goal_id": goal.id, "local_day": day, "amount": amount}
                )

    if new_entries:
        db.session.execute(db.insert(GoalEntry), new_entries)

    # For the completions loader (imported after this part): a day's goal review names goals by
    # their old ids.
    db.session.info.setdefault("imported_goal_ids", {}).update(new_ids)

    stored = {r.week_start: r for r in db.session.scalars(db.select(WeeklyReview).filter_by(user_id=user.id))}
    for data in reviews:
        review = stored.get(data["week_start"])
        if review is not None and review.written_at > data["written_at"]:
            continue
        if review is None:
            review = WeeklyReview(user_id=user.id, week_start=data["week_start"])
            db.session.add(review)
        review.helped, review.change = data["helped"], data["change"]
        review.next_targets = {str(new_ids[old]): target for old, target in data["targets"].items()}
        review.written_at = data["written_at"]


GOALS_EXPORT = Collection("goals", export_goals, import_goals)
