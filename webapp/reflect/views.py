"""The evening reflection (/reflect): today's entry, editable all day; earlier days read-only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.forms import DONE_WORDS
from webapp.i18n import day_words
from webapp.i18n.translations import lazy_gettext as _l
from webapp.reflect.forms import LABELS, MOODS, ReflectionForm
from webapp.routines.completions import complete_now
from webapp.routines.content import REFLECTION_PROMPTS, REFRAME_PROMPTS, SELF_COMPASSION_LINES, prompt_for_day
from webapp.routines.core import REFLECTION_FIELDS, InvalidInput
from webapp.routines.finish import day_progress, finish_for
from webapp.routines.models import Reflection
from webapp.setbacks.models import Setback
from webapp.web import local_today, page_number

bp = Blueprint("reflect", __name__)

HISTORY_PER_PAGE = 20
LOW_MOODS = (1, 2)
EMPTY_MESSAGE = _l("There's nothing to save yet. Write a line in any box, or pick how today felt.")
DAY_IN_PATH = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Support:
    """A kind word after a hard day, a breathing session, and (after a mood of 1) where to find help."""

    line: str
    show_help: bool


def self_compassion_line(user_id: int, day: date) -> str:
    """The same kind line all day for one user, wherever it is shown (reflect, setbacks)."""
    return prompt_for_day(SELF_COMPASSION_LINES, f"{user_id}:kind", day).text


def support_for(user_id: int, day: date, mood: int | None, had_setback: bool) -> Support | None:
    """Support after a low mood (1 or 2) or a setback logged that day; None on an ordinary day."""
    if mood not in LOW_MOODS and not had_setback:
        return None
    return Support(line=self_compassion_line(user_id, day), show_help=mood == 1)


def reframe_prompt(day: date) -> str:
    """One reframe question a day, taking each in turn."""
    return REFRAME_PROMPTS[day.toordinal() % len(REFRAME_PROMPTS)].text


def day_label(day: date) -> str:
    return day_words(day, "weekday_day_month_year")


def _reflection_on(day: date) -> Reflection | None:
    return db.session.scalar(db.select(Reflection).filter_by(user_id=current_user.id, local_day=day))


def _had_setback_on(day: date) -> bool:
    found = db.session.scalar(
        db.select(Setback.id).filter_by(user_id=current_user.id, local_day=day).limit(1)
    )
    return found is not None


def _page(form: ReflectionForm, status: int = 200, problem: str | None = None):
    day = local_today()
    saved = _reflection_on(day)
    support = support_for(current_user.id, day, saved.mood if saved else None, _had_setback_on(day))
    progress = day_progress(current_user)
    html = render_template(
        "reflect/reflect.html",
        form=form,
        day=day,
        day_label=day_label(day),
        saved=saved,
        support=support,
        finish=finish_for(current_user, "reflect", progress) if saved else None,
        breathed_today="breathe" in progress.done,
        problem=problem,
        prompt=prompt_for_day(REFLECTION_PROMPTS, f"{current_user.id}:reflect", day).text,
        reframe=reframe_prompt(day),
        moods=MOODS,
    )
    return html, status


@bp.get("/reflect")
@login_required
def reflect():
    saved = _reflection_on(local_today())
    return _page(ReflectionForm(formdata=None, obj=saved))


@bp.post("/reflect")
@login_required
def save():
    form = ReflectionForm()
    if not form.validate():
        return _page(form, 400)
    if form.is_empty():
        return _page(form, 400, problem=EMPTY_MESSAGE)
    if form.was_applied():
        return redirect(url_for("reflect.reflect"))
    try:
        complete_now(current_user, "reflect", form.completion_data(), utcnow())
    except InvalidInput as error:
        name = error.field.removeprefix("data.")
        form[name if name in (*REFLECTION_FIELDS, "mood") else "mood"].errors.append(error.message)
        return _page(form, 400)
    form.commit_once(current_user.id)
    flash(str(DONE_WORDS["reflect"]))
    return redirect(url_for("reflect.reflect"))


@bp.get("/reflect/history")
@login_required
def history():
    page = db.paginate(
        db.select(Reflection).filter_by(user_id=current_user.id).order_by(Reflection.local_day.desc()),
        page=page_number(),
        per_page=HISTORY_PER_PAGE,
        max_per_page=HISTORY_PER_PAGE,
    )
    return render_template(
        "reflect/history.html", page=page, today=local_today(), moods=MOODS, day_label=day_label
    )


@bp.get("/reflect/<day_text>")
@login_required
def day(day_text: str):
    if not DAY_IN_PATH.fullmatch(day_text):
        abort(404)
    try:
        wanted = date.fromisoformat(day_text)
    except ValueError:
        abort(404)
    reflection = _reflection_on(wanted)
    if reflection is None:
        abort(404)
    answers = [(LABELS[name], getattr(reflection, name)) for name in REFLECTION_FIELDS]
    return render_template(
        "reflect/day.html",
        reflection=reflection,
        answers=[(label, text) for label, text in answers if text],
        day_label=day_label(wanted),
        is_today=wanted == local_today(),
        moods=MOODS,
    )
