"""Insights on /progress, in the weekly review and from GET /api/insights: the user's own days, honestly."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from tests.conftest import csrf_token, register
from webapp.extensions import db
from webapp.routines.models import Completion, Reflection

TODAY = date(2026, 3, 2)  # the clock fixture's day, for Ana in Berlin


def seed(app, user_id: int, days: int, breathed, mood_of, first: date | None = None):
    """`days` evenings ending yesterday: a breathing session on the days `breathed(day)` says,
    and the mood `mood_of(day)`. Written straight to the database (days before the clock's)."""
    first = first or TODAY - timedelta(days=days)
    with app.app_context():
        for offset in range(days):
            day = first + timedelta(days=offset)
            moment = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
            db.session.add(Reflection(user_id=user_id, local_day=day, mood=mood_of(day), written_at=moment))
            if breathed(day):
                db.session.add(
                    Completion(
                        user_id=user_id,
                        client_id=str(uuid.uuid4()),
                        routine="breathe",
                        local_day=day,
                        zone="Europe/Berlin",
                        completed_at=moment,
                        data={"pattern": "box", "seconds": 60},
                        created_at=moment,
                    )
                )
        db.session.commit()


def breathed_on_even_days(day: date) -> bool:
    return day.toordinal() % 2 == 0


def mood_with_breathing(day: date) -> int:
    # 4 or 5 after a breath, 2 or 3 without: a clear difference, with some spread on each side.
    base = 4 if breathed_on_even_days(day) else 2
    return base + (day.toordinal() // 2) % 2


def insights(client) -> dict:
    response = client.get("/api/insights")
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.both_dbs
def test_with_fewer_than_21_evenings_nothing_is_said_and_the_page_says_how_many_more(
    app, client, user, clock
):
    seed(app, user.id, 20, breathed_on_even_days, mood_with_breathing)
    body = insights(client)
    assert body["findings"] == [] and body["mood_days"] == 20
    assert "21 evenings" in body["needs"] and "At least 1 more evening" in body["needs"]
    assert all(not item["tested"] and item["p_value"] is None for item in body["comparisons"])
    html = client.get("/progress").get_data(as_text=True)
    assert "What goes with your better evenings" in html
    assert "so far you have 20 evenings. At least 1 more evening" in html


@pytest.mark.both_dbs
def test_a_clear_pattern_shows_with_its_figures_on_progress_the_review_and_the_api(app, client, user, clock):
    seed(app, user.id, 40, breathed_on_even_days, mood_with_breathing)
    body = insights(client)
    assert body["needs"] is None
    # Breathing every other day also means the day after each rough (mood 2) evening had a
    # session and the day after each good one didn't: that pattern is in the data too.
    assert [finding["practice"] for finding in body["findings"]] == ["breathe", "after_rough_day"]
    finding = body["findings"][0]
    days = [TODAY - timedelta(days=offset) for offset in range(1, 41)]
    with_moods = [mood_with_breathing(day) for day in days if breathed_on_even_days(day)]
    without_moods = [mood_with_breathing(day) for day in days if not breathed_on_even_days(day)]
    assert (
        finding["with_days"] == len(with_moods) == 20 and finding["without_days"] == len(without_moods) == 20
    )
    assert finding["mood_with"] == pytest.approx(sum(with_moods) / 20, abs=1e-3)
    assert finding["mood_without"] == pytest.approx(sum(without_moods) / 20, abs=1e-3)
    assert finding["effect_size"] > 2 and finding["p_value"] < 1e-6 and finding["adjusted_p"] < 0.1
    assert finding["sentence"] == (
        f"On days you took a breathing session, your evening mood averaged {sum(with_moods) / 20:.1f}, "
        f"against {sum(without_moods) / 20:.1f} on days you didn't (20 and 20 days)."
    )
    assert body["method"]["false_discovery_rate"] == 0.1 and body["window"]["to"] == TODAY.isoformat()

    sentence = finding["sentence"].replace("'", "&#39;")
    assert sentence in client.get("/progress").get_data(as_text=True)
    review = client.get("/goals/review").get_data(as_text=True)
    assert "What went with your better evenings" in review and sentence in review


@pytest.mark.both_dbs
def test_moods_independent_of_breathing_show_nothing_and_say_so(app, client, user, clock):
    seed(app, user.id, 60, breathed_on_even_days, lambda day: 1 + (day.toordinal() // 2) % 5)
    body = insights(client)
    breathe = next(item for item in body["comparisons"] if item["practice"] == "breathe")
    assert breathe["tested"] and not breathe["shown"] and breathe["p_value"] > 0.1
    assert body["findings"] == [] and body["needs"] is None and body["note"].startswith("No clear links yet")


@pytest.mark.both_dbs
def test_one_persons_days_never_show_in_anothers_insights(app, client, user, other_client, clock):
    seed(app, user.id, 40, breathed_on_even_days, mood_with_breathing)
    assert insights(client)["findings"]
    body = insights(other_client)
    assert body["findings"] == [] and body["mood_days"] == 0 and "none yet" in body["needs"]


def test_the_api_needs_a_session(app, client, clock):
    response = client.get("/api/insights")
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"


def test_progress_reads_the_same_number_of_queries_for_a_month_or_a_year(app, client, user, clock):
    # The plan (zone history, days on, goals) is read on the first view and kept while the seeds
    # below leave it as it was: both counts are of a view after that.
    client.get("/progress")
    seed(app, user.id, 30, breathed_on_even_days, mood_with_breathing)
    short = _statements(app, client, "/progress")
    seed(app, user.id, 300, breathed_on_even_days, mood_with_breathing, first=TODAY - timedelta(days=330))
    long = _statements(app, client, "/progress")
    assert long == short
    assert len(short) <= 20, short


def _statements(app, client, path: str) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(re.sub(r"\s+", " ", statement)[:60])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_a_new_account_on_its_first_evening_sees_how_many_more_are_needed(app, clock):
    client = app.test_client()
    register(client, email="new@example.com")
    token = csrf_token(client, "/reflect")
    assert token
    body = client.get("/api/insights").get_json()
    assert body["findings"] == [] and body["mood_days"] == 0 and "At least 21 more evenings" in body["needs"]
