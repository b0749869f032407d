"""The account page: name, zone, day end, password, delete; export and import."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.conftest import PASSWORD, form_fields, person, register, submit
from webapp.auth.models import User, ZoneChange
from webapp.extensions import db
from webapp.routines.models import Pause, RoutineSetting, ScheduleVersion


def load(app, user_id):
    return db.session.get(User, user_id)


@pytest.mark.both_dbs
def test_changing_the_zone_is_recorded_with_its_time(app, client, user, clock):
    clock.set("2026-03-02T18:30:00+00:00")
    response = submit(
        client, "/account", {"display_name": "Ana", "time_zone": "Asia/Tokyo", "day_end_hour": "3"}
    )
    assert response.status_code == 302
    with app.app_context():
        saved = load(app, user.id)
        assert (saved.display_name, saved.time_zone, saved.day_end_hour) == ("Ana", "Asia/Tokyo", 3)
        [change] = saved.zone_changes
        assert (change.old_zone, change.new_zone) == ("Europe/Berlin", "Asia/Tokyo")
        assert change.changed_at.isoformat() == "2026-03-02T18:30:00+00:00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"time_zone": "Europe/Atlantis"}, "Choose a time zone"),
        ({"time_zone": ""}, "Choose a time zone"),
        ({"day_end_hour": "5"}, "Not a valid choice"),
        ({"day_end_hour": "soon"}, "Not a valid choice"),
        ({"display_name": "n" * 81}, "at most 80"),
    ],
)
def test_bad_account_input_is_refused_and_nothing_changes(app, client, user, data, message):
    fields = {"display_name": "Ana", "time_zone": "Europe/Berlin", "day_end_hour": "0", **data}
    response = submit(client, "/account", fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        saved = load(app, user.id)
        assert (saved.time_zone, saved.day_end_hour, saved.display_name) == ("Europe/Berlin", 0, "")


def test_a_repeated_form_id_changes_nothing(app, client, user, clock):
    fields = form_fields(client, "/account", "/account")
    first = dict(fields, display_name="Ana", time_zone="Asia/Tokyo", day_end_hour="0")
    assert client.post("/account", data=first).status_code == 302
    again = dict(fields, display_name="Someone else", time_zone="Europe/Paris", day_end_hour="2")
    assert client.post("/account", data=again).status_code == 302
    with app.app_context():
        saved = load(app, user.id)
        assert (saved.display_name, saved.time_zone, saved.day_end_hour) == ("Ana", "Asia/Tokyo", 0)
        assert db.session.scalar(db.select(db.func.count(ZoneChange.id))) == 1


def test_a_forged_form_id_is_refused(app, client, user):
    response = submit(
        client, "/account", {"form_id": "not-a-uuid", "time_zone": "Asia/Tokyo", "day_end_hour": "0"}
    )
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)


def test_switching_to_the_phones_zone_takes_one_tap(app, client, user, clock):
    fields = form_fields(client, "/account", "/account")
    response = client.post(
        "/account/zone",
        data={
            "csrf_token": fields["csrf_token"],
            "form_id": fields["form_id"],
            "time_zone": "America/Chicago",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert load(app, user.id).time_zone == "America/Chicago"


def test_changing_the_password_signs_out_other_devices_but_not_this_one(app, client, user):
    laptop = app.test_client()
    submit(laptop, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    assert laptop.get("/today").status_code == 200
    response = submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a new long secret", "confirm": "a new long secret"},
        page="/account",
    )
    assert response.status_code == 302
    assert client.get("/today").status_code == 200
    assert laptop.get("/today").status_code == 302
    laptop.delete_cookie("session")
    assert laptop.get("/today").status_code == 302, "the remember-me cookie must be void too"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current_password": "not my password"}, "isn&#39;t your current password"),
        ({"new_password": "short", "confirm": "short"}, "between 10 and 200"),
        ({"confirm": "something else entirely"}, "differ"),
    ],
)
def test_a_bad_password_change_is_refused(app, client, user, data, message):
    fields = {
        "current_password": PASSWORD,
        "new_password": "a new long secret",
        "confirm": "a new long secret",
    }
    response = submit(client, "/account/password", {**fields, **data}, page="/account")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert load(app, user.id).check_password(PASSWORD)


@pytest.mark.both_dbs
def test_deleting_the_account_needs_the_password_and_removes_everything(app, client, user, other_client):
    response = submit(client, "/account/delete", {"password": "wrong"}, page="/account")
    assert response.status_code == 400
    response = submit(client, "/account/delete", {"password": PASSWORD}, page="/account")
    assert response.status_code == 302
    assert client.get("/today").status_code == 302
    with app.app_context():
        assert load(app, user.id) is None
        for model in (RoutineSetting, ScheduleVersion, Pause, ZoneChange):
            assert (
                db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(user_id=user.id))
                == 0
            )
        ben = person(app, "ben@example.com")
        assert db.session.scalar(db.select(db.func.count(RoutineSetting.id)).filter_by(user_id=ben.id)) == 4
    assert other_client.get("/today").status_code == 200


@pytest.mark.both_dbs
def test_export_holds_my_data_and_no_one_elses(app, client, user, other_client, clock):
    submit(client, "/account", {"display_name": "Ana", "time_zone": "Asia/Tokyo", "day_end_hour": "2"})
    document = client.get("/api/export").get_json()
    assert document["version"] == 1
    assert document["user"]["email"] == "ana@example.com"
    assert document["user"]["day_end_hour"] == 2
    assert document["user"]["zone_changes"][0]["new_zone"] == "Asia/Tokyo"
    routines = {row["routine"]: row for row in document["routines"]}
    assert routines["breathe"]["days_on"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert routines["morning"]["days_on"] == ["mon", "tue", "wed", "thu", "fri"]
    assert routines["morning"]["reminder_time"] == "08:00" and routines["morning"]["reminder_on"] is True
    assert "ben@example.com" not in json.dumps(document)


def test_export_as_csv_is_a_zip_of_one_csv_per_collection(client, user):
    response = client.get("/account/export.csv.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert {"user.csv", "routines.csv"} <= set(archive.namelist())
        assert "ana@example.com" in archive.read("user.csv").decode()


@pytest.mark.both_dbs
def test_an_export_imports_back_into_a_new_account(app, client, user, clock):
    submit(client, "/account", {"display_name": "Ana", "time_zone": "Asia/Tokyo", "day_end_hour": "2"})
    with app.app_context():
        db.session.add(
            Pause(
                user_id=user.id,
                routine="reflect",
                starts_on=_d("2026-03-10"),
                ends_on=_d("2026-03-20"),
                created_at=clock(),
            )
        )
        db.session.commit()
    document = client.get("/api/export").get_json()

    phone = app.test_client()
    register(phone, email="ana.new@example.com", zone="UTC")
    response = phone.post(
        "/account/import",
        data={
            **form_fields(phone, "/account", "/account/import"),
            "file": (io.BytesIO(json.dumps(document).encode()), "export.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    again = phone.get("/api/export").get_json()
    for key in ("display_name", "time_zone", "day_end_hour", "zone_changes"):
        assert again["user"][key] == document["user"][key]
    assert again["routines"] == document["routines"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "isn&#39;t JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"version": 2}', "Rebound reads version 1"),
        (b'{"version": 1, "user": {"time_zone": "Nowhere/Land"}}', "not a time zone we know"),
        (b'{"version": 1, "routines": [{"routine": "nap"}]}', "routines[0].routine"),
        (
            b'{"version": 1, "routines": [{"routine": "morning", '
            b'"pauses": [{"from": "2026-03-10", "to": "2026-03-01"}]}]}',
            "ends before it starts",
        ),
        (b'{"version": 1, "surprise": []}', "Unknown parts"),
        (b"\xff\xfe\x00", "isn&#39;t JSON"),
    ],
)
def test_a_bad_import_file_says_why_and_changes_nothing(app, client, user, content, message):
    before = client.get("/api/export").get_json()
    response = client.post(
        "/account/import",
        data={**form_fields(client, "/account", "/account/import"), "file": (io.BytesIO(content), "x.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = client.get("/api/export").get_json()
    assert {k: v for k, v in after.items() if k != "exported_at"} == {
        k: v for k, v in before.items() if k != "exported_at"
    }


def test_the_import_command_reads_a_file_into_an_account(app, client, user, tmp_path):
    document = client.get("/api/export").get_json()
    document["user"]["display_name"] = "Imported Ana"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    result = app.test_cli_runner().invoke(args=["users", "import", str(path), "ana@example.com"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert load(app, user.id).display_name == "Imported Ana"
    path.write_text('{"version": 9}')
    result = app.test_cli_runner().invoke(args=["users", "import", str(path), "ana@example.com"])
    assert result.exit_code != 0 and "Nothing was imported" in result.output


def _d(text):
    from datetime import date

    return date.fromisoformat(text)


def test_a_form_without_its_form_id_is_refused(app, client, user):
    fields = form_fields(client, "/account", "/account")
    del fields["form_id"]
    response = client.post("/account", data={**fields, "time_zone": "Asia/Tokyo", "day_end_hour": "0"})
    assert response.status_code == 400
    with app.app_context():
        assert load(app, user.id).time_zone == "Europe/Berlin"
