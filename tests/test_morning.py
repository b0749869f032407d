"""The morning page and the user's own affirmations (add, edit, favourite, hide; export and import)."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest

from tests.conftest import form_fields, person, submit
from webapp.auth.models import User
from webapp.extensions import db
from webapp.goals.models import Goal, GoalEntry
from webapp.morning.export import export_affirmations, import_affirmations
from webapp.portability import ImportProblem
from webapp.routines.content import AFFIRMATIONS, VISUALISATIONS, affirmation_by_id, prompt_for_day
from webapp.routines.models import AffirmationChoice, Completion, MorningEntry, UserAffirmation

TODAY = date(2026, 3, 2)  # the clock fixture's 09:00 UTC is Monday morning in Berlin
CURATED_IDS = {a.id for a in AFFIRMATIONS}


def page(client, path: str = "/morning") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def morning_completion(app, user_id: int) -> Completion | None:
    with app.app_context():
        return db.session.scalar(db.select(Completion).filter_by(user_id=user_id, routine="morning"))


def own_rows(app, user_id: int) -> list[UserAffirmation]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(UserAffirmation).filter_by(user_id=user_id).order_by(UserAffirmation.id)
            )
        )


def choice_rows(app, user_id: int) -> dict[str, tuple[bool, bool]]:
    with app.app_context():
        rows = db.session.scalars(db.select(AffirmationChoice).filter_by(user_id=user_id))
        return {c.affirmation_id: (c.favourite, c.hidden) for c in rows}


def add_own(client, text: str):
    return submit(client, "/morning/affirmations", {"text": text})


def done(client, intention: str = ""):
    return submit(client, "/morning", {"intention": intention})


def todays_ids(app, client, user) -> list[str]:
    """The ids the page shows today, as a completion records them."""
    assert done(client).status_code == 302
    ids = morning_completion(app, user.id).data["affirmation_ids"]
    with app.app_context():
        db.session.execute(db.delete(Completion))
        db.session.execute(db.delete(MorningEntry))
        db.session.commit()
    return ids


# The morning page


def test_morning_works_for_a_new_user_with_no_goals_and_no_affirmations_of_their_own(
    app, client, user, clock
):
    text = page(client)
    assert "Today's affirmations" in text and "Say them out loud" in text
    assert str(prompt_for_day(VISUALISATIONS, f"{user.id}|morning", TODAY).text) in text
    assert "No daily goals yet" in text and 'href="/goals"' in text
    assert 'action="/morning"' in text and "Done" in text
    shown = [a for a in AFFIRMATIONS if str(a.text) in text]
    assert len(shown) == 3


def test_morning_asks_a_visitor_to_sign_in(client):
    response = client.get("/morning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.both_dbs
def test_done_completes_the_morning_with_the_intention_and_todays_three(app, client, user, clock):
    response = done(client, "  Ask every prospect what a good quarter looks like.  ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/morning")
    completion = morning_completion(app, user.id)
    assert completion.local_day == TODAY
    assert completion.data["intention"] == "Ask every prospect what a good quarter looks like."
    ids = completion.data["affirmation_ids"]
    assert len(ids) == 3 and set(ids) <= CURATED_IDS
    text = page(client)
    assert all(str(affirmation_by_id(i).text) in text for i in ids)
    assert "Done for today" in text and "Ask every prospect what a good quarter looks like." in text
    with app.app_context():
        entry = db.session.scalar(db.select(MorningEntry).filter_by(user_id=user.id))
        assert entry.intention == "Ask every prospect what a good quarter looks like."


def test_my_own_affirmation_is_one_of_the_three_and_recorded_as_own(app, client, user, clock):
    assert add_own(client, "I make the calls I planned, whatever the first one brings.").status_code == 302
    [mine] = own_rows(app, user.id)
    text = page(client)
    assert "I make the calls I planned, whatever the first one brings." in text and "Your words" in text
    assert done(client).status_code == 302
    ids = morning_completion(app, user.id).data["affirmation_ids"]
    assert ids[-1] == f"own-{mine.id}" and set(ids[:2]) <= CURATED_IDS


@pytest.mark.both_dbs
def test_a_done_morning_keeps_its_intention_editable_and_the_later_save_wins(app, client, user, clock):
    assert done(client, "Three follow-ups before lunch.").status_code == 302
    clock.advance(hours=2)
    text = page(client)
    assert "Done for today" in text and "Save intention" in text
    assert "Three follow-ups before lunch." in text
    assert done(client, "Five follow-ups, then the proposal.").status_code == 302
    with app.app_context():
        [completion] = db.session.scalars(db.select(Completion).filter_by(user_id=user.id))
        assert completion.data["intention"] == "Five follow-ups, then the proposal."
        assert completion.completed_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def test_a_too_long_intention_is_refused_and_nothing_is_saved(app, client, user, clock):
    response = done(client, "x" * 501)
    assert response.status_code == 400
    assert "Keep it under 500 characters" in response.get_data(as_text=True)
    assert morning_completion(app, user.id) is None


def test_a_repeated_morning_form_changes_nothing(app, client, user, clock):
    fields = form_fields(client, "/morning", "/morning")
    assert client.post("/morning", data=dict(fields, intention="First.")).status_code == 302
    clock.advance(minutes=5)
    assert client.post("/morning", data=dict(fields, intention="Second.")).status_code == 302
    completion = morning_completion(app, user.id)
    assert completion.data["intention"] == "First."
    assert completion.completed_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_todays_daily_goals_are_listed_with_todays_amounts(app, client, user, other_client, clock):
    ben = person(app, "ben@example.com")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with app.app_context():
        calls = Goal(user_id=user.id, name="Calls made", period="day", target=40, created_at=now)
        meetings = Goal(user_id=user.id, name="Meetings booked", period="day", target=2, created_at=now)
        weekly = Goal(user_id=user.id, name="Demos a week", period="week", target=5, created_at=now)
        old = Goal(user_id=user.id, name="Cold emails", period="day", target=9, archived=True, created_at=now)
        bens = Goal(user_id=ben.id, name="Ben's visits", period="day", target=7, created_at=now)
        db.session.add_all([calls, meetings, weekly, old, bens])
        db.session.flush()
        db.session.add(GoalEntry(user_id=user.id, goal_id=calls.id, local_day=TODAY, amount=12))
        db.session.add(GoalEntry(user_id=user.id, goal_id=meetings.id, local_day=date(2026, 3, 1), amount=1))
        db.session.commit()
    text = page(client)
    assert "Calls made" in text and "12 of 40" in text
    assert "Meetings booked" in text and "0 of 2" in text
    assert "Demos a week" not in text and "Cold emails" not in text and "Ben's visits" not in text


# Own affirmations


@pytest.mark.both_dbs
def test_i_can_add_an_affirmation_of_my_own(app, client, user, clock):
    response = add_own(client, "  I follow up because I said I would.  ")
    assert response.status_code == 302
    [mine] = own_rows(app, user.id)
    assert (mine.text, mine.favourite, mine.hidden) == ("I follow up because I said I would.", False, False)
    assert "I follow up because I said I would." in page(client, "/morning/affirmations")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write a few words first."),
        ("   ", "Write a few words first."),
        ("ok", "between 3 and 200 characters"),
        ("x" * 201, "between 3 and 200 characters"),
    ],
)
def test_an_affirmation_too_short_or_too_long_is_refused(app, client, user, clock, text, message):
    response = add_own(client, text)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert own_rows(app, user.id) == []


def test_the_same_line_twice_is_refused(app, client, user, clock):
    assert add_own(client, "I ask one more question.").status_code == 302
    response = add_own(client, "I ask one more question.")
    assert response.status_code == 400 and "You already have this one." in response.get_data(as_text=True)
    assert len(own_rows(app, user.id)) == 1


def test_a_repeated_add_form_adds_one_line(app, client, user, clock):
    fields = form_fields(client, "/morning/affirmations", "/morning/affirmations")
    assert client.post("/morning/affirmations", data=dict(fields, text="I keep going.")).status_code == 302
    assert client.post("/morning/affirmations", data=dict(fields, text="I keep on.")).status_code == 302
    assert [a.text for a in own_rows(app, user.id)] == ["I keep going."]


def test_i_can_reword_my_affirmation(app, client, user, clock):
    add_own(client, "I am calm on calls.")
    [mine] = own_rows(app, user.id)
    action = f"/morning/affirmations/{mine.id}"
    response = submit(client, action, {"text": "I stay calm on hard calls."}, page="/morning/affirmations")
    assert response.status_code == 302
    assert own_rows(app, user.id)[0].text == "I stay calm on hard calls."

    response = submit(client, action, {"text": "no"}, page="/morning/affirmations")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "between 3 and 200 characters" in body and f'id="own-{mine.id}-error"' in body
    assert own_rows(app, user.id)[0].text == "I stay calm on hard calls."


@pytest.mark.both_dbs
def test_favourite_and_hide_toggle_my_affirmation(app, client, user, clock):
    add_own(client, "I have closed harder deals than this.")
    [mine] = own_rows(app, user.id)
    action = f"/morning/affirmations/{mine.id}/toggle"
    for what, expected in [
        ("favourite", (True, False)),
        ("hidden", (True, True)),
        ("favourite", (False, True)),
    ]:
        response = submit(client, action, {"what": what}, page="/morning/affirmations")
        assert response.status_code == 302
        saved = own_rows(app, user.id)[0]
        assert (saved.favourite, saved.hidden) == expected
    assert "Show again" in page(client, "/morning/affirmations")
    assert submit(client, action, {"what": "hidden"}, page="/morning/affirmations").status_code == 302
    assert own_rows(app, user.id)[0].hidden is False


def test_a_hidden_affirmation_of_mine_never_comes_up(app, client, user, clock):
    add_own(client, "A line I have gone off.")
    [mine] = own_rows(app, user.id)
    submit(
        client, f"/morning/affirmations/{mine.id}/toggle", {"what": "hidden"}, page="/morning/affirmations"
    )
    for _ in range(7):
        text = page(client)
        assert "A line I have gone off." not in text
        assert len([a for a in AFFIRMATIONS if str(a.text) in text]) == 3
        clock.advance(days=1)


def test_a_repeated_toggle_does_not_flip_it_back(app, client, user, clock):
    add_own(client, "I keep my promises to buyers.")
    [mine] = own_rows(app, user.id)
    action = f"/morning/affirmations/{mine.id}/toggle"
    fields = form_fields(client, "/morning/affirmations", action)
    assert client.post(action, data=dict(fields, what="favourite")).status_code == 302
    assert client.post(action, data=dict(fields, what="favourite")).status_code == 302
    assert own_rows(app, user.id)[0].favourite is True


def test_an_unknown_toggle_is_refused(app, client, user, clock):
    add_own(client, "I keep my promises to buyers.")
    [mine] = own_rows(app, user.id)
    response = submit(
        client, f"/morning/affirmations/{mine.id}/toggle", {"what": "deleted"}, page="/morning/affirmations"
    )
    assert response.status_code == 400 and "Choose favourite or hide." in response.get_data(as_text=True)
    assert (own_rows(app, user.id)[0].favourite, own_rows(app, user.id)[0].hidden) == (False, False)


@pytest.mark.parametrize(
    ("suffix", "data"),
    [("", {"text": "Mine now."}), ("/toggle", {"what": "hidden"}), ("/toggle", {"what": "favourite"})],
)
def test_someone_elses_affirmation_is_not_found(app, client, user, other_client, clock, suffix, data):
    assert add_own(other_client, "Ben's own line.").status_code == 302
    [bens] = own_rows(app, person(app, "ben@example.com").id)
    fields = form_fields(client, "/morning/affirmations", "/morning/affirmations")
    response = client.post(f"/morning/affirmations/{bens.id}{suffix}", data=dict(fields, **data))
    assert response.status_code == 404
    [after] = own_rows(app, bens.user_id)
    assert (after.text, after.favourite, after.hidden) == ("Ben's own line.", False, False)
    assert "Ben's own line." not in page(client, "/morning/affirmations")


# Curated affirmations


@pytest.mark.both_dbs
def test_hiding_a_curated_line_takes_it_out_of_my_mornings(app, client, user, clock):
    first = todays_ids(app, client, user)[0]
    action = f"/morning/affirmations/curated/{first}/toggle"
    response = submit(client, action, {"what": "hidden"}, page="/morning")
    assert response.status_code == 302 and response.headers["Location"].endswith("/morning")
    assert choice_rows(app, user.id) == {first: (False, True)}
    text = page(client)
    assert str(affirmation_by_id(first).text) not in text
    assert len([a for a in AFFIRMATIONS if str(a.text) in text]) == 3
    assert first not in todays_ids(app, client, user)


def test_favouriting_a_curated_line_and_taking_it_back_leaves_no_mark(app, client, user, clock):
    action = "/morning/affirmations/curated/learning-4/toggle"
    response = submit(client, action, {"what": "favourite"}, page="/morning/affirmations")
    assert response.status_code == 302
    assert "theme=learning" in response.headers["Location"]
    assert choice_rows(app, user.id) == {"learning-4": (True, False)}
    assert 'id="theme-learning" open' in page(client, "/morning/affirmations?theme=learning")
    submit(client, action, {"what": "favourite"}, page="/morning/affirmations")
    assert choice_rows(app, user.id) == {}


def test_an_unknown_curated_line_is_not_found(app, client, user, clock):
    fields = form_fields(client, "/morning/affirmations", "/morning/affirmations")
    response = client.post(
        "/morning/affirmations/curated/no-such-line/toggle", data=dict(fields, what="hidden")
    )
    assert response.status_code == 404
    assert choice_rows(app, user.id) == {}


def test_the_affirmations_page_lists_every_curated_line_by_theme(app, client, user, clock):
    text = page(client, "/morning/affirmations")
    assert "Nothing here yet" in text
    assert all(str(a.text) in text for a in AFFIRMATIONS)
    assert "Self-worth is not the deal" in text and "first person" in text


# Export and import


@pytest.mark.both_dbs
def test_affirmations_survive_export_and_import_into_a_new_account(app, client, user, other_client, clock):
    add_own(client, "I ask for the next step.")
    add_own(client, "I'm patient with slow buyers.")
    first, second = own_rows(app, user.id)
    submit(
        client,
        f"/morning/affirmations/{first.id}/toggle",
        {"what": "favourite"},
        page="/morning/affirmations",
    )
    submit(
        client, f"/morning/affirmations/{second.id}/toggle", {"what": "hidden"}, page="/morning/affirmations"
    )
    for affirmation_id, what in [("learning-2", "favourite"), ("self-worth-3", "hidden")]:
        submit(
            client,
            f"/morning/affirmations/curated/{affirmation_id}/toggle",
            {"what": what},
            page="/morning/affirmations",
        )
    ben = person(app, "ben@example.com")
    with app.app_context():
        exported = export_affirmations(db.session.get(User, user.id))
        assert exported["curated_choices"] == [
            {"affirmation_id": "learning-2", "favourite": True, "hidden": False},
            {"affirmation_id": "self-worth-3", "favourite": False, "hidden": True},
        ]
        assert [(a["text"], a["favourite"], a["hidden"]) for a in exported["own"]] == [
            ("I ask for the next step.", True, False),
            ("I'm patient with slow buyers.", False, True),
        ]
        import_affirmations(db.session.get(User, ben.id), exported, datetime(2026, 3, 5, tzinfo=UTC))
        db.session.commit()
        again = export_affirmations(db.session.get(User, ben.id))

        def without_ids(part):
            return {**part, "own": [{k: v for k, v in row.items() if k != "id"} for row in part["own"]]}

        assert without_ids(again) == without_ids(exported)
        # A second import adds nothing: the same text is the same line.
        import_affirmations(db.session.get(User, ben.id), exported, datetime(2026, 3, 5, tzinfo=UTC))
        db.session.commit()
        assert without_ids(export_affirmations(db.session.get(User, ben.id))) == without_ids(exported)


def test_import_skips_a_curated_line_retired_since_the_export(app, user):
    part = {
        "own": [{"text": "I listen first.", "favourite": False, "hidden": False}],
        "curated_choices": [{"affirmation_id": "retired-9", "favourite": True, "hidden": False}],
    }
    with app.app_context():
        import_affirmations(db.session.get(User, user.id), part, datetime(2026, 3, 5, tzinfo=UTC))
        db.session.commit()
        assert export_affirmations(db.session.get(User, user.id)) == {
            "own": [
                {
                    "id": own_rows(app, user.id)[0].id,
                    "text": "I listen first.",
                    "favourite": False,
                    "hidden": False,
                    "created_at": "2026-03-05T00:00:00+00:00",
                }
            ],
            "curated_choices": [],
        }


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ([], "affirmations: expected an object."),
        ({"own": {}}, "affirmations.own: expected a list."),
        ({"own": ["text"]}, "affirmations.own[0]: expected an object."),
        ({"own": [{"favourite": True}]}, "affirmations.own[0].text: missing."),
        ({"own": [{"text": "ab"}]}, "affirmations.own[0].text: shorter than 3 characters."),
        ({"own": [{"text": "x" * 201}]}, "affirmations.own[0].text: longer than 200 characters."),
        (
            {"own": [{"text": "I listen.", "hidden": "yes"}]},
            "affirmations.own[0].hidden: expected true or false.",
        ),
        (
            {"own": [{"text": "I listen.", "created_at": "Monday"}]},
            "affirmations.own[0].created_at: expected",
        ),
        (
            {"curated_choices": [{"favourite": True}]},
            "affirmations.curated_choices[0].affirmation_id: missing.",
        ),
        (
            {"curated_choices": [{"affirmation_id": "learning-1", "favourite": 1}]},
            "affirmations.curated_choices[0].favourite: expected true or false.",
        ),
        (
            {"curated_choices": [{"affirmation_id": "learning-1"}, {"affirmation_id": "learning-1"}]},
            "affirmations.curated_choices[1].affirmation_id: learning-1 appears twice.",
        ),
    ],
)
def test_a_bad_affirmations_part_says_where_and_why(app, user, part, message):
    with app.app_context():
        with pytest.raises(ImportProblem) as problem:
            import_affirmations(db.session.get(User, user.id), part, datetime(2026, 3, 5, tzinfo=UTC))
        db.session.rollback()
    assert str(problem.value).startswith(message)


@pytest.mark.both_dbs
def test_the_reminder_sender_s_batch_picks_the_same_first_affirmation_as_each_user_s_page(
    app, user, other_client
):
    from webapp.morning.affirmations import affirmation_texts_for_day, first_affirmations

    day = date(2026, 3, 2)
    with app.app_context():
        ana = db.session.scalar(db.select(User).filter_by(email=user.email))
        ben = db.session.scalar(db.select(User).filter_by(email="ben@example.com"))
        added = datetime(2026, 3, 1, tzinfo=UTC)
        # Ana: a favourite of her own, so it leads; Ben: every curated one hidden but one.
        db.session.add(
            UserAffirmation(user_id=ana.id, text="I learn from every no", favourite=True, created_at=added)
        )
        db.session.add(UserAffirmation(user_id=ana.id, text="Hidden thought", hidden=True, created_at=added))
        db.session.add_all(
            AffirmationChoice(user_id=ben.id, affirmation_id=a.id, hidden=True) for a in AFFIRMATIONS[1:]
        )
        db.session.commit()
        wanted = [(ana.id, day), (ben.id, day), (ben.id, date(2026, 3, 3))]

        first = first_affirmations(wanted)

        assert first == {key: affirmation_texts_for_day(*key)[0] for key in wanted}
        assert first[(ben.id, day)] == AFFIRMATIONS[0].text
        assert first_affirmations([]) == {}
