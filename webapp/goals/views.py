"""Goals: targets and progress, the daily goal review (the `goals` routine) and the weekly review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Blueprint, abort, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.goals import core
from webapp.goals.forms import DailyReviewForm, EditGoalForm, GoalActionForm, GoalForm, WeeklyReviewForm
from webapp.goals.models import Goal, WeeklyReview
from webapp.goals.progress import add_one, amounts_on, totals_by_week
from webapp.i18n.translations import gettext as _
from webapp.insights.data import insights_for
from webapp.routines.completions import complete_now
from webapp.routines.core import InvalidInput
from webapp.routines.finish import finish_for
from webapp.routines.models import Completion
from webapp.routines.schedule import schedules_for
from webapp.web import local_today, own_or_404

bp = Blueprint("goals", __name__)

LOOK_BACK = 12


def _own_goal(goal_id: int) -> Goal:
    return own_or_404(Goal, goal_id)


def _goals(archived: bool = False) -> list[Goal]:
    query = db.select(Goal).filter_by(user_id=current_user.id, archived=archived).order_by(Goal.id)
    return list(db.session.scalars(query))


def _ids(form, prefix: str):
    """Give a form's inputs ids of their own: the page repeats the same form once per goal."""
    for item in form:
        item.id = f"{prefix}-{item.name}"
        item.label.field_id = item.id
    return form


def _name_taken(name: str, except_id: int | None = None) -> bool:
    wanted = name.casefold()
    return any(g.name.casefold() == wanted and g.id != except_id for g in _goals())


# --- /goals -----------------------------------------------------------------------------------


@dataclass
class GoalCard:
    goal: Goal
    amount: int
    edit: EditGoalForm
    plus_one: GoalActionForm
    archive: GoalActionForm
    open: bool = False


@dataclass
class ReviewBox:
    goal: Goal
    value: str
    week_so_far: int
    error: str | None = None


@dataclass
class Page:
    activity: list[GoalCard] = field(default_factory=list)
    outcome: list[GoalCard] = field(default_factory=list)
    review: list[ReviewBox] = field(default_factory=list)
    starters: list[tuple[core.Starter, GoalForm]] = field(default_factory=list)


def _goals_page(
    status: int = 200,
    *,
    add: GoalForm | None = None,
    edit: EditGoalForm | None = None,
    edit_id: int | None = None,
    review_form: DailyReviewForm | None = None,
    review_values: dict[int, str] | None = None,
    review_errors: dict[int, str] | None = None,
):
    today = local_today()
    monday = core.week_start(today)
    goals = _goals()
    today_amounts = amounts_on(current_user.id, today)
    week_totals = totals_by_week(current_user.id, monday, monday)
    page = Page()
    for goal in goals:
        if goal.period == "day":
            amount = today_amounts.get(goal.id, 0)
        else:
            amount = week_totals.get((goal.id, monday), 0)
        form = edit if edit is not None and edit_id == goal.id else EditGoalForm(obj=goal, formdata=None)
        card = GoalCard(
            goal=goal,
            amount=amount,
            edit=_ids(form, f"goal-{goal.id}"),
            plus_one=_ids(GoalActionForm(formdata=None), f"plus-{goal.id}"),
            archive=_ids(GoalActionForm(formdata=None), f"archive-{goal.id}"),
            open=edit is not None and edit_id == goal.id,
        )
        (page.activity if goal.kind == "activity" else page.outcome).append(card)
        typed = (review_values or {}).get(goal.id)
        page.review.append(
            ReviewBox(
                goal=goal,
                value=typed if typed is not None else str(today_amounts.get(goal.id, 0)),
                week_so_far=week_totals.get((goal.id, monday), 0),
                error=(review_errors or {}).get(goal.id),
            )
        )
    names = {g.name.casefold() for g in goals}
    page.starters = [
        (starter, _ids(GoalForm(formdata=None), f"starter-{index}"))
        for index, starter in enumerate(core.STARTERS)
        if starter.name.casefold() not in names
    ]
    reviewed = db.session.scalar(
        db.select(Completion.completed_at).filter_by(
            user_id=current_user.id, routine="goals", local_day=today
        )
    )
    html = render_template(
        "goals/goals.html",
        page=page,
        has_goals=bool(goals),
        add=_ids(add or GoalForm(formdata=None), "add"),
        review_form=review_form or _ids(DailyReviewForm(formdata=None), "review"),
        reviewed=reviewed is not None,
        finish=finish_for(current_user, "goals") if reviewed is not None and _just_reviewed() else None,
        max_goals=core.MAX_ACTIVE_GOALS,
        at_most=len(goals) >= core.MAX_ACTIVE_GOALS,
    )
    return html, status


def _just_reviewed() -> bool:
    return any(category == "finish" for category, _ in get_flashed_messages(with_categories=True))


def _back_to_goals(goal_id: int | None = None):
    return redirect(url_for("goals.goals") + (f"#goal-{goal_id}" if goal_id else ""))


@bp.get("/goals")
@login_required
def goals():
    return _goals_page()


@bp.post("/goals")
@login_required
def add_goal():
    form = GoalForm()
    if not form.validate():
        return _goals_page(400, add=form)
    if len(_goals()) >= core.MAX_ACTIVE_GOALS:
        form.name.errors.append(
            _(
                "You have %(count)d goals already; archive one you no longer count first.",
                count=core.MAX_ACTIVE_GOALS,
            )
        )
        return _goals_page(400, add=form)
    if _name_taken(form.name.data):
        form.name.errors.append(_("You already have a goal called %(name)s.", name=form.name.data))
        return _goals_page(400, add=form)
    if form.was_applied():
        return _back_to_goals()
    goal = Goal(
        user_id=current_user.id,
        name=form.name.data,
        kind=form.kind.data,
        period=form.period.data,
        target=form.target.data,
        archived=False,
        created_at=utcnow(),
    )
    db.session.add(goal)
    if form.commit_once(current_user.id):
        # NOTE: %(goal)s is the goal's name, %(target)s its target, such as "20 a day".
        flash(
            _(
                "Added %(goal)s: %(target)s.",
                goal=goal.name,
                target=core.target_phrase(goal.target, goal.period),
            )
        )
    return _back_to_goals()


@bp.post("/goals/<int:goal_id>/plus-one")
@login_required
def plus_one(goal_id: int):
    goal = _own_goal(goal_id)
    if goal.archived:
        abort(404)
    form = GoalActionForm()
    if not form.validate():
        flash(_("That tap didn't go through; please reload the page and try again."))
        return _goals_page(400)
    if form.was_applied():
        return _back_to_goals(goal.id)
    counted = add_one(current_user.id, goal.id, local_today())
    if form.commit_once(current_user.id) and not counted:
        flash(_("%(goal)s is at the most one day can hold.", goal=goal.name))
    return _back_to_goals(goal.id)


@bp.post("/goals/<int:goal_id>")
@login_required
def edit_goal(goal_id: int):
    goal = _own_goal(goal_id)
    form = EditGoalForm()
    if not form.validate():
        return _goals_page(400, edit=_ids(form, f"goal-{goal.id}"), edit_id=goal.id)
    if _name_taken(form.name.data, except_id=goal.id):
        form.name.errors.append(_("You already have a goal called %(name)s.", name=form.name.data))
        return _goals_page(400, edit=_ids(form, f"goal-{goal.id}"), edit_id=goal.id)
    if form.was_applied():
        return _back_to_goals(goal.id)
    goal.name, goal.target, goal.period = form.name.data, form.target.data, form.period.data
    if form.commit_once(current_user.id):
        flash(
            _(
                "Saved %(goal)s: %(target)s.",
                goal=goal.name,
                target=core.target_phrase(goal.target, goal.period),
            )
        )
    return _back_to_goals(goal.id)


@bp.post("/goals/<int:goal_id>/archive")
@login_required
def archive_goal(goal_id: int):
    goal = _own_goal(goal_id)
    form = GoalActionForm()
    if not form.validate():
        flash(_("That didn't go through; please reload the page and try again."))
        return _goals_page(400)
    if form.was_applied() or goal.archived:
        return _back_to_goals()
    goal.archived = True
    if form.commit_once(current_user.id):
        flash(_("%(goal)s is archived. Its history stays in your export.", goal=goal.name))
    return _back_to_goals()


@bp.post("/goals/today")
@login_required
def daily_review():
    """Today's amounts, saved as the day's goal review (the `goals` routine)."""
    form = _ids(DailyReviewForm(), "review")
    if not form.validate():
        return _goals_page(400, review_form=form)
    goals = _goals()
    if not goals:
        flash(_("Add a goal first; then today's review has something to count."))
        return _goals_page(400, review_form=form)
    typed: dict[int, str] = {}
    amounts: dict[int, int] = {}
    errors: dict[int, str] = {}
    for goal in goals:
        raw = request.form.get(f"amount-{goal.id}")
        if raw is None:
            # Added in another tab after this page loaded: leave its amount as it is.
            continue
        typed[goal.id] = raw
        try:
            amounts[goal.id] = core.clean_amount(raw)
        except InvalidInput as problem:
            errors[goal.id] = problem.message
    if errors:
        return _goals_page(400, review_form=form, review_values=typed, review_errors=errors)
    if form.was_applied():
        return _back_to_goals()
    progress = {str(goal_id): amount for goal_id, amount in amounts.items()}
    complete_now(current_user, "goals", {"progress": progress}, utcnow())
    if form.commit_once(current_user.id):
        # "finish": the page shows it in its finish state, with the day's next step.
        flash(_("Today's review is saved. That counts for today."), "finish")
    return redirect(url_for("goals.goals"))


# --- /goals/review ----------------------------------------------------------------------------


@dataclass
class ReviewRow:
    goal: Goal
    total: int
    week_target: int
    days: int
    suggestion: int
    value: str
    error: str | None = None


def _review_rows(
    monday: date, today: date, stored: WeeklyReview | None, typed=None, errors=None
) -> list[ReviewRow]:
    # Suggestions come from finished weeks only: a week in progress always looks short.
    weeks = core.recent_week_starts(min(monday, core.previous_week_start(today)))
    totals = totals_by_week(current_user.id, weeks[0], monday)
    schedule = schedules_for(current_user)["goals"]
    rows = []
    for goal in _goals():
        since = current_user.local_day(goal.created_at)
        history = []
        for week in weeks:
            if week + timedelta(days=6) < since:
                continue
            actual = core.in_target_units(
                totals.get((goal.id, week), 0), goal.period, core.days_on(week, schedule, since)
            )
            if actual is not None:
                history.append(actual)
        days = core.days_on(monday, schedule, since)
        suggestion = core.suggest_target(history, goal.target)
        value = (typed or {}).get(goal.id)
        if value is None:
            value = str((stored.next_targets if stored else {}).get(str(goal.id), suggestion))
        rows.append(
            ReviewRow(
                goal=goal,
                total=totals.get((goal.id, monday), 0),
                week_target=core.week_target(goal.target, goal.period, days),
                days=days,
                suggestion=suggestion,
                value=value,
                error=(errors or {}).get(goal.id),
            )
        )
    return rows


def _stored_review(monday: date) -> WeeklyReview | None:
    return db.session.scalar(db.select(WeeklyReview).filter_by(user_id=current_user.id, week_start=monday))


def _review_page(
    monday: date, status: int = 200, form: WeeklyReviewForm | None = None, typed=None, errors=None
):
    today = local_today()
    stored = _stored_review(monday)
    if form is None:
        form = WeeklyReviewForm(obj=stored, formdata=None)
        form.week.data = monday.isoformat()
    past = list(
        db.session.scalars(
            db.select(WeeklyReview)
            .filter_by(user_id=current_user.id)
            .order_by(WeeklyReview.week_start.desc())
            .limit(LOOK_BACK)
        )
    )
    names = {g.id: g.name for g in db.session.scalars(db.select(Goal).filter_by(user_id=current_user.id))}
    html = render_template(
        "goals/review.html",
        form=_ids(form, "weekly"),
        monday=monday,
        sunday=monday + timedelta(days=6),
        rows=_review_rows(monday, today, stored, typed, errors),
        stored=stored,
        sets_targets=monday >= core.previous_week_start(today),
        is_this_week=monday == core.week_start(today),
        past=past,
        names=names,
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7) if monday < core.week_start(today) else None,
        insights=insights_for(current_user, today),
    )
    return html, status


def _week_or_400(text: str | None) -> date:
    try:
        return core.parse_week(text, local_today())
    except InvalidInput as problem:
        abort(400, description=problem.message)


@bp.get("/goals/review")
@login_required
def weekly_review():
    return _review_page(_week_or_400(request.args.get("week")))


@bp.post("/goals/review")
@login_required
def save_weekly_review():
    form = WeeklyReviewForm()
    monday = _week_or_400(form.week.data or request.args.get("week"))
    if not form.validate():
        return _review_page(monday, 400, form)
    typed: dict[int, str] = {}
    targets: dict[int, int] = {}
    errors: dict[int, str] = {}
    goals = _goals()
    for goal in goals:
        raw = request.form.get(f"target-{goal.id}")
        if raw is None:
            continue
        typed[goal.id] = raw
        try:
            targets[goal.id] = core.clean_target(raw)
        except InvalidInput as problem:
            errors[goal.id] = problem.message
    if errors:
        return _review_page(monday, 400, form, typed, errors)
    if form.was_applied():
        return redirect(url_for("goals.goals"))
    review = _stored_review(monday)
    if review is None:
        review = WeeklyReview(user_id=current_user.id, week_start=monday)
        db.session.add(review)
    review.helped = form.helped.data or ""
    review.change = form.change.data or ""
    review.next_targets = {str(goal_id): target for goal_id, target in targets.items()}
    review.written_at = utcnow()
    # Only the latest review sets today's targets: reopening an old week to add a note
    # mustn't bring back the targets of a month ago.
    sets_targets = monday >= core.previous_week_start(local_today())
    if sets_targets:
        for goal in goals:
            if goal.id in targets:
                goal.target = targets[goal.id]
    if form.commit_once(current_user.id):
        flash(
            _("Your weekly review is saved. Next week's targets are set.")
            if sets_targets
            else _("Your weekly review is saved.")
        )
    return redirect(url_for("goals.goals"))
