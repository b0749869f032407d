"""The support corner's pages: /support, invites, the supporter's view of a person, cheers."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.extensions import db
from webapp.goals.core import week_start
from webapp.goals.models import Goal, GoalEntry
from webapp.i18n import day_words, moment_words
from webapp.i18n.translations import gettext as _
from webapp.reminders.sender import _begin_write
from webapp.routines.core import ROUTINE_INFO, ROUTINES
from webapp.routines.models import Reflection
from webapp.routines.schedule import schedules_for
from webapp.routines.views import long_date
from webapp.streaks.data import done_days_by_routine
from webapp.streaks.store import streak_summaries
from webapp.support import core
from webapp.support.cheers import NoSuchLink, TooManyCheers, _locked, cheers_left, mark_seen, send_cheer
from webapp.support.forms import ActionForm, CheerForm, JoinForm, LinkForm, ShareForm, WeeklyForm
from webapp.support.models import SupportInvite, SupportLink, SupportSettings
from webapp.support.notify import name_of, queue_rough_day, reschedule_weekly, settings_for

bp = Blueprint("support", __name__)

WINS_SHOWN = 5
NEW_INVITE = "support_new_invite"


@bp.after_request
def _never_kept(response):
    # Another person's page, or a once-shown invite link: no HTTP cache keeps it (no-store, as
    # every signed-in page), and neither does the service worker for offline use (it skips
    # X-Rebound-Offline: never), so nothing of it outlives a link that ends.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Rebound-Offline"] = "never"
    return response


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return _("That didn't work. Please reload the page and try again.")


def _back(anchor: str = ""):
    return redirect(url_for("support.corner") + anchor, 303)


def _names(user_ids) -> dict[int, str]:
    users = db.session.scalars(db.select(User).where(User.id.in_(set(user_ids)))).all()
    return {user.id: name_of(user) for user in users}


def _open_invites(owner_id: int, now: datetime) -> list[SupportInvite]:
    return db.session.scalars(
        db.select(SupportInvite)
        .where(
            SupportInvite.owner_id == owner_id,
            SupportInvite.used_at.is_(None),
            SupportInvite.declined_at.is_(None),
            SupportInvite.revoked_at.is_(None),
            SupportInvite.expires_at > now,
        )
        .order_by(SupportInvite.created_at)
    ).all()


def _supporter_count(owner_id: int) -> int:
    return db.session.scalar(db.select(db.func.count(SupportLink.id)).filter_by(owner_id=owner_id))


def _corner(status: int = 200, problem: str | None = None, weekly: WeeklyForm | None = None):
    user = current_user._get_current_object()
    now = utcnow()
    supporters = db.session.scalars(
        db.select(SupportLink).filter_by(owner_id=user.id).order_by(SupportLink.created_at)
    ).all()
    supporting = db.session.scalars(
        db.select(SupportLink).filter_by(supporter_id=user.id).order_by(SupportLink.created_at)
    ).all()
    names = _names([link.supporter_id for link in supporters] + [link.owner_id for link in supporting])
    invites = _open_invites(user.id, now)
    new_invite = session.pop(NEW_INVITE, None)
    shown_invite = None
    if new_invite and any(invite.id == new_invite.get("id") for invite in invites):
        shown_invite = url_for("support.join", token=new_invite["token"], _external=True)
    settings = db.session.get(SupportSettings, user.id)
    if weekly is None:
        weekly = WeeklyForm(formdata=None)
        weekly.weekly_on.data = settings.weekly_on if settings else True
        weekly.weekday.data = settings.weekly_weekday if settings else core.DEFAULT_WEEKLY_WEEKDAY
        weekly.at.data = (settings.weekly_time if settings else core.DEFAULT_WEEKLY_TIME).strftime("%H:%M")
    html = render_template(
        "support/support.html",
        supporters=[
            {
                "link": link,
                "name": names.get(link.supporter_id, "Someone"),
                "form": LinkForm(formdata=None, obj=link),
                "sees": core.visible_parts(link.show_wins, link.show_goals),
            }
            for link in supporters
        ],
        supporting=[{"link": link, "name": names.get(link.owner_id, "Someone")} for link in supporting],
        invites=invites,
        shown_invite=shown_invite,
        can_invite=core.can_invite(len(supporters), len(invites)),
        max_supporters=core.MAX_SUPPORTERS,
        invite_form=ShareForm(formdata=None),
        weekly_form=weekly,
        next_weekly=_when(settings.next_weekly_at, user.time_zone)
        if settings and settings.next_weekly_at
        else None,
        action=ActionForm(formdata=None),
        problem=problem,
        never_shown=core.NEVER_SHOWN,
    )
    return html, status


def _when(moment: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(zone))
    return moment_words(local, "weekday_day_month")


@bp.get("/support")
@login_required
def corner():
    return _corner()


@bp.post("/support/invites")
@login_required
def create_invite():
    """A new single-use invite link; the page shows it once, right after."""
    form = ShareForm()
    if not form.validate():
        return _corner(400, _first_error(form))
    if form.was_applied():
        return _back("#invite")
    now = utcnow()
    if not core.can_invite(_supporter_count(current_user.id), len(_open_invites(current_user.id, now))):
        return _corner(
            409,
            _(
                "You can have up to %(count)d supporters, counting open invites. "
                "Withdraw an invite or end a link first.",
                count=core.MAX_SUPPORTERS,
            ),
        )
    token = secrets.token_urlsafe(24)
    invite = SupportInvite(
        owner_id=current_user.id,
        token_sha256=token_hash(token),
        show_wins=form.show_wins.data,
        show_goals=form.show_goals.data,
        created_at=now,
        expires_at=core.invite_expires_at(now),
    )
    db.session.add(invite)
    db.session.flush()
    invite_id = invite.id
    if form.commit_once(current_user.id):
        # Only a hash is stored: the link itself exists only here, for the owner to share now.
        session[NEW_INVITE] = {"id": invite_id, "token": token}
    return _back("#invite")


@bp.post("/support/invites/<int:invite_id>/revoke")
@login_required
def revoke_invite(invite_id: int):
    form = ActionForm()
    invite = db.session.get(SupportInvite, invite_id)
    if invite is None or invite.owner_id != current_user.id:
        abort(404)
    if not form.validate():
        return _corner(400, _first_error(form))
    if invite.revoked_at is None and invite.used_at is None and invite.declined_at is None:
        invite.revoked_at = utcnow()
        flash(_("Invite withdrawn. That link no longer works."))
    form.commit_once(current_user.id)
    return _back()


# Joining -----------------------------------------------------------------------------------------


def _invite_or_problem(token: str):
    """(invite, None) or (None, a problem page) for a token, before knowing who opens it."""
    invite = None
    if 0 < len(token) <= 100:
        invite = db.session.scalar(db.select(SupportInvite).filter_by(token_sha256=token_hash(token)))
    if invite is None:
        page = render_template(
            "support/invite_problem.html",
            title=_("This invite link isn't valid"),
            message=_("Check that the whole link was copied, or ask for a new one."),
        )
        return None, (page, 404)
    return invite, None


def _problem_for(invite: SupportInvite, user_id: int | None, now: datetime):
    facts = core.InviteFacts(
        owner_id=invite.owner_id,
        expires_at=invite.expires_at,
        used=invite.used_at is not None or invite.declined_at is not None,
        revoked=invite.revoked_at is not None,
    )
    linked = user_id is not None and (
        db.session.scalar(db.select(SupportLink.id).filter_by(owner_id=invite.owner_id, supporter_id=user_id))
        is not None
    )
    anyone = user_id if user_id is not None else -1
    problem = core.invite_problem(facts, anyone, now, linked, _supporter_count(invite.owner_id))
    if user_id is None and problem in ("self", "already_linked", "full"):
        problem = None  # about who opens it: known only after signing in
    if problem is None:
        return None
    status, title, message = core.INVITE_PROBLEMS[problem]
    page = render_template("support/invite_problem.html", title=title, message=message, problem=problem)
    return page, status


@bp.get("/support/join/<token>")
def join(token: str):
    """Who asks and exactly what the supporter will see; accept or decline."""
    invite, missing = _invite_or_problem(token)
    if missing:
        return missing
    signed_in = current_user.is_authenticated
    problem = _problem_for(invite, current_user.id if signed_in else None, utcnow())
    if problem:
        return problem
    here = url_for("support.join", token=token)
    if not signed_in:
        return render_template("support/join_visitor.html", next=here)
    owner = db.session.get(User, invite.owner_id)
    return render_template(
        "support/join.html",
        owner_name=name_of(owner),
        owner_email=owner.email,
        sees=core.visible_parts(invite.show_wins, invite.show_goals),
        never_shown=core.NEVER_SHOWN,
        form=JoinForm(formdata=None),
        action=here,
    )


@bp.post("/support/join/<token>")
@login_required
def answer_invite(token: str):
    invite, missing = _invite_or_problem(token)
    if missing:
        return missing
    form = JoinForm()
    if not form.validate():
        abort(400, _first_error(form))
    now = utcnow()
    invite_id, owner_id = invite.id, invite.owner_id
    # Two people accepting at once (one link passed around, or the fifth and sixth place): the
    # owner's row is locked (PostgreSQL), or the write lock taken (SQLite), and the invite read
    # again after that (ids taken first: touching the expired invite would reload it too early).
    _begin_write()
    owner = db.session.scalar(_locked(db.select(User).where(User.id == owner_id)))
    invite = db.session.get(SupportInvite, invite_id)
    problem = _problem_for(invite, current_user.id, now)
    if problem:
        db.session.rollback()
        return problem
    name = name_of(owner)
    if form.decision.data == "decline":
        invite.declined_at = now
        form.commit_once(current_user.id)
        # NOTE: %(name)s is the person who sent the invite.
        flash(_("You declined %(name)s's invite. Nothing was shared.", name=name))
        return redirect(url_for("routines.today"), 303)
    link = SupportLink(
        owner_id=owner.id,
        supporter_id=current_user.id,
        show_wins=invite.show_wins,
        show_goals=invite.show_goals,
        muted=False,
        created_at=now,
    )
    invite.used_at = now
    db.session.add(link)
    settings_for(owner, now)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        status, title, message = core.INVITE_PROBLEMS["already_linked"]
        return render_template("support/invite_problem.html", title=title, message=message), status
    link_id = link.id
    form.commit_once(current_user.id)
    flash(_("You're now in %(name)s's corner. Cheer them on whenever you like.", name=name))
    return redirect(url_for("support.person", link_id=link_id), 303)


# The supporter's view ---------------------------------------------------------------------------


def _link_for_viewer(link_id: int) -> SupportLink:
    """The link, for its supporter (or its owner, to preview what they share); 404 for anyone else."""
    link = db.session.get(SupportLink, link_id)
    if link is None or current_user.id not in (link.supporter_id, link.owner_id):
        abort(404)
    return link


def person_view(link: SupportLink, now: datetime) -> dict:
    """Everything the supporter's page shows, and nothing more: built only from what the link allows."""
    owner = db.session.get(User, link.owner_id)
    today = owner.local_day(now)
    week = core.week_ending(today)
    schedules = schedules_for(owner)
    done = done_days_by_routine(owner.id, since=week[0])
    summaries = streak_summaries(owner, today, schedules)
    routines = []
    for routine in ROUTINES:
        summary = summaries[routine]
        dots = core.last_seven(schedules[routine], done[routine], today)
        routines.append(
            {
                "label": ROUTINE_INFO[routine].label,
                "icon": ROUTINE_INFO[routine].icon,
                "done_today": summary.today_done,
                "expected_today": summary.today_expected,
                "streak": summary.current,
                "dots": dots,
                "week_count": sum(dot.state == "done" for dot in dots),
            }
        )
    view = {
        "name": name_of(owner),
        "today_words": long_date(today),
        "routines": routines,
        "practised": core.days_practised(done, week),
        "wins": None,
        "goals": None,
    }
    if link.show_wins:
        rows = db.session.execute(
            db.select(Reflection.local_day, Reflection.small_win)
            .where(
                Reflection.user_id == owner.id, Reflection.local_day >= week[0], Reflection.small_win != ""
            )
            .order_by(Reflection.local_day.desc())
            .limit(WINS_SHOWN)
        ).all()
        view["wins"] = [{"day": day_words(day), "text": text} for day, text in rows]
    if link.show_goals:
        view["goals"] = _goal_progress(owner.id, today)
    return view


def _goal_progress(owner_id: int, today) -> list[dict]:
    goals = db.session.scalars(
        db.select(Goal).filter_by(user_id=owner_id, archived=False).order_by(Goal.created_at)
    ).all()
    monday = week_start(today)
    amounts = db.session.execute(
        db.select(GoalEntry.goal_id, GoalEntry.local_day, GoalEntry.amount).where(
            GoalEntry.user_id == owner_id, GoalEntry.local_day >= monday, GoalEntry.local_day <= today
        )
    ).all()
    progress = []
    for goal in goals:
        if goal.period == "week":
            amount = sum(a for goal_id, _day, a in amounts if goal_id == goal.id)
        else:
            amount = sum(a for goal_id, day, a in amounts if goal_id == goal.id and day == today)
        progress.append(
            {
                "name": goal.name,
                "amount": amount,
                "target": goal.target,
                "period": "this week" if goal.period == "week" else "today",
                "percent": min(100, round(100 * amount / goal.target)) if goal.target else 0,
            }
        )
    return progress


def _person_page(link: SupportLink, status: int = 200, problem: str | None = None):
    now = utcnow()
    is_owner = link.owner_id == current_user.id
    owner = db.session.get(User, link.owner_id)
    html = render_template(
        "support/person.html",
        link=link,
        view=person_view(link, now),
        is_owner=is_owner,
        supporter_name=name_of(db.session.get(User, link.supporter_id)) if is_owner else None,
        cheers=core.CHEERS,
        cheers_left=cheers_left(link, owner, now),
        cheer_form=CheerForm(formdata=None),
        action=ActionForm(formdata=None),
        problem=problem,
    )
    return html, status


@bp.get("/support/people/<int:link_id>")
@login_required
def person(link_id: int):
    return _person_page(_link_for_viewer(link_id))


@bp.post("/support/people/<int:link_id>/cheers")
@login_required
def cheer(link_id: int):
    """One tap: a cheer from the short set. The form's id is the cheer's id, so a double tap sends one."""
    link = db.session.get(SupportLink, link_id)
    if link is None or link.supporter_id != current_user.id:
        abort(404)
    form = CheerForm()
    if not form.validate():
        return _person_page(link, 400, _first_error(form))
    owner_name = name_of(db.session.get(User, link.owner_id))
    try:
        answer = send_cheer(current_user, form.form_id.data, link_id, form.kind.data, utcnow())
    except NoSuchLink:
        abort(404)
    except TooManyCheers as limit:
        return _person_page(link, 429, limit.message)
    if answer.status == 201:
        # NOTE: %(cheer)s is the cheer sent, such as "Keep going"; %(name)s who gets it.
        flash(
            _("Sent: “%(cheer)s”. %(name)s will see it.", cheer=core.CHEERS[form.kind.data], name=owner_name)
        )
    return redirect(url_for("support.person", link_id=link_id), 303)


# Either side, and the owner's controls -----------------------------------------------------------


@bp.post("/support/links/<int:link_id>/end")
@login_required
def end_link(link_id: int):
    """Either side ends the link: it is deleted, with its cheers; both then get 404s."""
    link = db.session.get(SupportLink, link_id)
    if link is None or current_user.id not in (link.supporter_id, link.owner_id):
        abort(404)
    form = ActionForm()
    if not form.validate():
        return _corner(400, _first_error(form))
    other = link.supporter_id if link.owner_id == current_user.id else link.owner_id
    name = _names([other]).get(other, _("They"))
    db.session.delete(link)
    form.commit_once(current_user.id)
    flash(_("Link with %(name)s ended. Neither of you sees the other's anything any more.", name=name))
    return _back()


@bp.post("/support/links/<int:link_id>")
@login_required
def update_link(link_id: int):
    """The owner chooses what this supporter sees, and whether their cheers come through."""
    link = db.session.get(SupportLink, link_id)
    if link is None or link.owner_id != current_user.id:
        abort(404)
    form = LinkForm()
    if not form.validate():
        return _corner(400, _first_error(form))
    if not form.was_applied():
        link.show_wins, link.show_goals, link.muted = (
            form.show_wins.data,
            form.show_goals.data,
            form.muted.data,
        )
        if form.commit_once(current_user.id):
            flash(_("Saved what %(name)s sees.", name=_names([link.supporter_id]).get(link.supporter_id)))
    return _back(f"#supporter-{link_id}")


@bp.post("/support/weekly")
@login_required
def save_weekly():
    form = WeeklyForm()
    if not form.validate() or form.weekday.data not in range(7):
        if form.weekday.data not in range(7) and not form.weekday.errors:
            form.weekday.errors = [_("Choose a day of the week.")]
        return _corner(400, _first_error(form), weekly=form)
    if not form.was_applied():
        now = utcnow()
        settings = settings_for(current_user, now)
        settings.weekly_on = form.weekly_on.data
        settings.weekly_weekday = form.weekday.data
        settings.weekly_time = form.time_value
        reschedule_weekly(current_user, now)
        if form.commit_once(current_user.id):
            flash(_("Weekly note saved.") if settings.weekly_on else _("Weekly note turned off."))
    return _back("#weekly")


@bp.post("/support/cheers/seen")
@login_required
def cheers_seen():
    form = ActionForm()
    if not form.validate():
        abort(400, _first_error(form))
    if not form.was_applied():
        mark_seen(current_user, utcnow())
        form.commit_once(current_user.id)
    return redirect(url_for("routines.today"), 303)


@bp.post("/support/rough-day")
@login_required
def rough_day():
    """From the reset flow: tell supporters it was a tough call — never what happened."""
    form = ActionForm()
    if not form.validate():
        abort(400, _first_error(form))
    if not form.was_applied():
        queued = queue_rough_day(current_user, utcnow())
        form.commit_once(current_user.id)
        flash(
            _("Your supporters will hear you had a tough call — nothing more.")
            if queued
            else _("Your supporters already know today was tough.")
        )
    return redirect(url_for("breathe.reset", step="affirmation"), 303)


def has_supporters() -> bool:
    if not current_user.is_authenticated:
        return False
    return _supporter_count(current_user.id) > 0


def waiting_cheers() -> list[dict]:
    from webapp.support.cheers import unseen_cheers

    return unseen_cheers(current_user) if current_user.is_authenticated else []
