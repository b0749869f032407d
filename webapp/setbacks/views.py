"""The setbacks log (/setbacks): log a no fast, follow up when it's due, see which objections recur."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.forms import DONE_WORDS
from webapp.i18n import clock_time, day_words
from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l
from webapp.reflect.views import support_for
from webapp.routines.content import OBJECTIONS
from webapp.routines.core import InvalidInput
from webapp.routines.models import Reflection
from webapp.setbacks.forms import FollowedUpForm, SetbackForm
from webapp.setbacks.lessons import earlier_lessons, lesson_counts, lessons_for, setback_by_client_id
from webapp.setbacks.log import record_setback
from webapp.setbacks.models import FOLLOW_UP_OUTCOMES, Setback
from webapp.web import own_or_404, page_number

bp = Blueprint("setbacks", __name__)

PER_PAGE = 4  # about a phone's screen; older ones are a tap on "Older" away
FOLLOW_UP_THANKS = {
    "won_back": _l("Won back. That no was the start of a conversation."),
    "still_no": _l("Marked as followed up. You asked again; that's the job done."),
    "no_answer": _l("Marked as followed up. Silence isn't a no; try once more later if it's worth it."),
}
PATTERN_DAYS = 30


def objection_counts(user_id: int, today: date) -> list[tuple[str, int]]:
    """(objection id, how many) over the last 30 local days, most frequent first (ties in list order)."""
    since = today - timedelta(days=PATTERN_DAYS - 1)
    rows = db.session.execute(
        db.select(Setback.objection, db.func.count(Setback.id))
        .filter(Setback.user_id == user_id, Setback.local_day >= since, Setback.local_day <= today)
        .group_by(Setback.objection)
    ).all()
    order = list(OBJECTIONS)
    counts = {objection: count for objection, count in rows}
    return sorted(
        counts.items(), key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else 99)
    )


def _due_follow_ups(today: date) -> list[Setback]:
    return list(
        db.session.scalars(
            db.select(Setback)
            .filter(
                Setback.user_id == current_user.id,
                Setback.follow_up_on <= today,
                Setback.followed_up_at.is_(None),
            )
            .order_by(Setback.follow_up_on, Setback.occurred_at, Setback.id)
        )
    )


def _mood_on(day: date) -> int | None:
    return db.session.scalar(db.select(Reflection.mood).filter_by(user_id=current_user.id, local_day=day))


def _when(setback: Setback) -> str:
    """When it happened, on the user's clock: "Mon 2 Mar, 14:05"."""
    zone = current_user.zone_at(setback.occurred_at)
    local = setback.occurred_at.astimezone(ZoneInfo(zone))
    # NOTE: A day and a time of day, such as "Tue 3 Mar" and "08:00".
    return _("%(day)s, %(time)s", day=day_words(setback.local_day), time=clock_time(local))


def _page(form: SetbackForm, status: int = 200, logged: Setback | None = None):
    today = current_user.local_day(utcnow())
    recent = db.paginate(
        db.select(Setback)
        .filter_by(user_id=current_user.id)
        .order_by(Setback.occurred_at.desc(), Setback.id.desc()),
        page=page_number(),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
    )
    due = _due_follow_ups(today)
    logged_today = db.session.scalar(
        db.select(Setback.id).filter_by(user_id=current_user.id, local_day=today).limit(1)
    )
    counts = objection_counts(current_user.id, today)
    html = render_template(
        "setbacks/setbacks.html",
        form=form,
        today=today,
        due=due,
        due_ids={setback.id for setback in due},
        recent=recent,
        when=_when,
        counts=counts,
        total=sum(count for _, count in counts),
        objections=OBJECTIONS,
        support=support_for(current_user.id, today, _mood_on(today), logged_today is not None),
        pattern_days=PATTERN_DAYS,
        logged=logged,
        lessons=earlier_lessons(logged) if logged else [],
        lesson_counts=lesson_counts(current_user.id),
        outcomes=FOLLOW_UP_OUTCOMES,
    )
    return html, status


@bp.get("/setbacks")
@login_required
def setbacks():
    # After logging one: `logged` names it, so the page can bring back earlier lessons for its objection.
    return _page(
        SetbackForm(formdata=None), logged=setback_by_client_id(current_user.id, request.args.get("logged"))
    )


@bp.post("/setbacks")
@login_required
def log():
    form = SetbackForm()
    if not form.validate():
        return _page(form, 400)
    if form.was_applied():
        return redirect(url_for("setbacks.setbacks"))
    try:
        answer = record_setback(current_user, str(uuid4()), form.payload(), utcnow())
    except InvalidInput as error:
        name = error.field if error.field in form.payload() else "what_happened"
        form[name].errors.append(f"This {error.message}")
        return _page(form, 400)
    form.commit_once(current_user.id)
    flash(str(DONE_WORDS["setback"]))
    return redirect(url_for("setbacks.setbacks", logged=answer.body["id"]))


@bp.post("/setbacks/<int:setback_id>/followed-up")
@login_required
def followed_up(setback_id: int):
    setback = own_or_404(Setback, setback_id)
    form = FollowedUpForm()
    if not form.validate():
        if form.outcome.errors:
            abort(
                400,
                _(
                    "%(problem)s Please go back and tap one of the three buttons.",
                    problem=form.outcome.errors[0],
                ),
            )
        abort(400, _("This form has expired. Please go back, reload the page and try again."))
    back = url_for("routines.today") if form.back.data == "today" else url_for("setbacks.setbacks")
    if form.was_applied() or setback.followed_up_at is not None:
        return redirect(back)
    setback.followed_up_at = utcnow()
    setback.follow_up_outcome = form.outcome.data or None
    if form.commit_once(current_user.id):
        flash(str(FOLLOW_UP_THANKS.get(setback.follow_up_outcome, _("Marked as followed up."))))
    return redirect(back)


@bp.get("/setbacks/objections/<objection>")
@login_required
def objection_lessons(objection: str):
    """The user's own playbook for one objection: every lesson they wrote for it, newest first."""
    if objection not in OBJECTIONS:
        abort(404)
    return render_template(
        "setbacks/objection.html",
        objection=objection,
        label=OBJECTIONS[objection],
        lessons=lessons_for(current_user.id, objection),
        objections=OBJECTIONS,
        lesson_counts=lesson_counts(current_user.id),
    )
