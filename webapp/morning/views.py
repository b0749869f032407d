"""The morning routine and the user's own affirmations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.forms import DONE_WORDS, RequestForm
from webapp.goals.models import Goal, GoalEntry
from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l
from webapp.morning.affirmations import affirmation_ids_for_day, choices_by_id, own_affirmations
from webapp.morning.forms import AFFIRMATION_MAX, AffirmationForm, MorningForm, ToggleForm
from webapp.routines import content
from webapp.routines.completions import complete_now
from webapp.routines.core import InvalidInput
from webapp.routines.finish import finish_for
from webapp.routines.models import AffirmationChoice, Completion, MorningEntry, UserAffirmation
from webapp.setbacks.lessons import lesson_of_the_day
from webapp.web import local_today, own_or_404

bp = Blueprint("morning", __name__)

# Enough for anyone's own list; a cap keeps the page (and a runaway script) in check.
MAX_OWN_AFFIRMATIONS = 100


@dataclass(frozen=True)
class Shown:
    """One affirmation as a page shows it; `id` is what a completion records ("own-<n>" for own ones)."""

    id: str
    text: str
    own: bool
    favourite: bool
    theme: str
    toggle_url: str


@dataclass(frozen=True)
class GoalToday:
    name: str
    target: int
    amount: int


def affirmations_for_day(user_id: int, day: date) -> list[Shown]:
    """The user's affirmations for `day` (curated and own, none they hid); the reset flow may reuse it."""
    ids, own, favourites = affirmation_ids_for_day(user_id, day)
    shown = []
    for key in ids:
        if key in own:
            mine = own[key]
            url = url_for("morning.toggle_own", affirmation_id=mine.id)
            shown.append(Shown(key, mine.text, True, mine.favourite, "", url))
        else:
            curated = content.affirmation_by_id(key)
            url = url_for("morning.toggle_curated", affirmation_id=key)
            favourite = key in favourites
            shown.append(Shown(key, curated.text, False, favourite, content.THEMES[curated.theme], url))
    return shown


def _daily_goals(user_id: int, day: date) -> list[GoalToday]:
    goals = list(
        db.session.scalars(
            db.select(Goal)
            .filter_by(user_id=user_id, archived=False, period="day")
            .order_by(Goal.created_at, Goal.id)
        )
    )
    amounts = {
        entry.goal_id: entry.amount
        for entry in db.session.scalars(
            db.select(GoalEntry).filter(
                GoalEntry.user_id == user_id,
                GoalEntry.local_day == day,
                GoalEntry.goal_id.in_([g.id for g in goals]),
            )
        )
    }
    return [GoalToday(g.name, g.target, amounts.get(g.id, 0)) for g in goals]


def _done_today(day: date) -> Completion | None:
    return db.session.scalar(
        db.select(Completion).filter_by(user_id=current_user.id, routine="morning", local_day=day)
    )


def _saved_intention(day: date, completion: Completion | None) -> str:
    if completion is not None:
        return completion.data.get("intention", "")
    # An undone morning keeps what was written, so it is there to finish.
    entry = db.session.scalar(db.select(MorningEntry).filter_by(user_id=current_user.id, local_day=day))
    return entry.intention if entry else ""


def _fresh_form() -> RequestForm:
    return RequestForm(formdata=None)


def _morning_page(day: date, form: MorningForm | None = None, status: int = 200):
    completion = _done_today(day)
    if form is None:
        form = MorningForm(formdata=None, intention=_saved_intention(day, completion))
    page = render_template(
        "morning/morning.html",
        day=day,
        done=completion is not None,
        finish=finish_for(current_user, "morning") if completion is not None else None,
        shown=affirmations_for_day(current_user.id, day),
        visualisation=content.prompt_for_day(content.VISUALISATIONS, f"{current_user.id}|morning", day),
        goals=_daily_goals(current_user.id, day),
        form=form,
        fresh=_fresh_form,
        day_lesson=lesson_of_the_day(current_user.id, day),
        objections=content.OBJECTIONS,
    )
    return page, status


@bp.get("/morning")
@login_required
def morning():
    return _morning_page(local_today())


@bp.post("/morning")
@login_required
def complete():
    """Mark the morning done with today's intention, or update the intention of a done morning."""
    form = MorningForm()
    if not form.validate():
        return _morning_page(local_today(), form, 400)
    if form.was_applied():
        return redirect(url_for("morning.morning"))
    now = utcnow()
    day = current_user.local_day(now)
    was_done = _done_today(day) is not None
    data = {
        "intention": form.intention.data or "",
        "affirmation_ids": [a.id for a in affirmations_for_day(current_user.id, day)],
    }
    try:
        complete_now(current_user, "morning", data, now)
    except InvalidInput as problem:
        form.intention.errors.append(problem.message)
        return _morning_page(day, form, 400)
    form.commit_once(current_user.id)
    flash(str(DONE_WORDS["intention" if was_done else "morning"]))
    return redirect(url_for("morning.morning"))


# The user's own affirmations and their marks on the curated ones.


def _own_or_404(affirmation_id: int) -> UserAffirmation:
    return own_or_404(UserAffirmation, affirmation_id)


def _affirmations_page(
    status: int = 200,
    add_form: AffirmationForm | None = None,
    edit: tuple[int, AffirmationForm] | None = None,
    problem: str | None = None,
    open_theme: str | None = None,
):
    choices = choices_by_id(current_user.id)
    themes = [
        (key, title, [(a, choices.get(a.id)) for a in content.AFFIRMATIONS if a.theme == key])
        for key, title in content.THEMES.items()
    ]
    page = render_template(
        "morning/affirmations.html",
        own=own_affirmations(current_user.id),
        themes=themes,
        add_form=add_form or AffirmationForm(formdata=None),
        edit_id=edit[0] if edit else None,
        edit_form=edit[1] if edit else None,
        problem=problem,
        open_theme=open_theme,
        fresh=_fresh_form,
        max_length=AFFIRMATION_MAX,
    )
    return page, status


def _text_taken(text: str, except_id: int | None = None) -> bool:
    query = db.select(UserAffirmation.id).filter_by(user_id=current_user.id, text=text)
    if except_id is not None:
        query = query.filter(UserAffirmation.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


@bp.get("/morning/affirmations")
@login_required
def affirmations():
    return _affirmations_page()


@bp.post("/morning/affirmations")
@login_required
def add_affirmation():
    form = AffirmationForm()
    if not form.validate():
        return _affirmations_page(400, add_form=form)
    if form.was_applied():
        return redirect(url_for("morning.affirmations"))
    if _text_taken(form.text.data):
        form.text.errors.append(_("You already have this one."))
        return _affirmations_page(400, add_form=form)
    count = db.session.scalar(db.select(db.func.count(UserAffirmation.id)).filter_by(user_id=current_user.id))
    if count >= MAX_OWN_AFFIRMATIONS:
        form.text.errors.append(
            _(
                "You have %(count)d of your own already. Reword or hide one instead.",
                count=MAX_OWN_AFFIRMATIONS,
            )
        )
        return _affirmations_page(400, add_form=form)
    db.session.add(UserAffirmation(user_id=current_user.id, text=form.text.data, created_at=utcnow()))
    if form.commit_once(current_user.id):
        flash(_("Added. It will come up in your mornings."))
    return redirect(url_for("morning.affirmations", _anchor="own"))


@bp.post("/morning/affirmations/<int:affirmation_id>")
@login_required
def edit_affirmation(affirmation_id: int):
    affirmation = _own_or_404(affirmation_id)
    form = AffirmationForm()
    if not form.validate():
        # The edit box shows only the text's errors; anything else (the form id) goes on top.
        problem = None if form.text.errors else _first_error(form)
        return _affirmations_page(400, edit=(affirmation.id, form), problem=problem)
    if form.was_applied():
        return redirect(url_for("morning.affirmations", _anchor=f"own-{affirmation.id}"))
    if _text_taken(form.text.data, except_id=affirmation.id):
        form.text.errors.append(_("You already have this one."))
        return _affirmations_page(400, edit=(affirmation.id, form))
    affirmation.text = form.text.data
    if form.commit_once(current_user.id):
        flash(_("Saved."))
    return redirect(url_for("morning.affirmations", _anchor=f"own-{affirmation.id}"))


TOGGLED = {
    ("favourite", True): _l("Marked as a favourite. It will come up more often."),
    ("favourite", False): _l("No longer a favourite."),
    ("hidden", True): _l("Hidden. It won't come up in your mornings."),
    ("hidden", False): _l("Back in your mornings."),
}


def _after_toggle(form: ToggleForm, anchor: str, theme: str | None = None):
    if form.back.data == "morning":
        return redirect(url_for("morning.morning"))
    return redirect(url_for("morning.affirmations", theme=theme, _anchor=anchor))


@bp.post("/morning/affirmations/<int:affirmation_id>/toggle")
@login_required
def toggle_own(affirmation_id: int):
    affirmation = _own_or_404(affirmation_id)
    form = ToggleForm()
    if not form.validate():
        return _affirmations_page(400, problem=_first_error(form))
    anchor = f"own-{affirmation.id}"
    if form.was_applied():
        return _after_toggle(form, anchor)
    what = form.what.data
    setattr(affirmation, what, not getattr(affirmation, what))
    now_on = getattr(affirmation, what)
    if form.commit_once(current_user.id):
        flash(str(TOGGLED[what, now_on]))
    return _after_toggle(form, anchor)


@bp.post("/morning/affirmations/curated/<affirmation_id>/toggle")
@login_required
def toggle_curated(affirmation_id: str):
    curated = content.affirmation_by_id(affirmation_id)
    if curated is None:
        abort(404)
    form = ToggleForm()
    if not form.validate():
        return _affirmations_page(400, problem=_first_error(form), open_theme=curated.theme)
    anchor = f"curated-{curated.id}"
    if form.was_applied():
        return _after_toggle(form, anchor, curated.theme)
    what = form.what.data
    choice = db.session.scalar(
        db.select(AffirmationChoice).filter_by(user_id=current_user.id, affirmation_id=curated.id)
    )
    if choice is None:
        choice = AffirmationChoice(
            user_id=current_user.id, affirmation_id=curated.id, favourite=False, hidden=False
        )
        db.session.add(choice)
    setattr(choice, what, not getattr(choice, what))
    now_on = getattr(choice, what)
    if not choice.favourite and not choice.hidden:
        # No marks left (only possible for a stored row): it says nothing, so it goes.
        db.session.delete(choice)
    if form.commit_once(current_user.id):
        flash(str(TOGGLED[what, now_on]))
    return _after_toggle(form, anchor, curated.theme)


def _first_error(form: RequestForm) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return _("That didn't work; please reload the page and try again.")
