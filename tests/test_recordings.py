"""Recordings of affirmations in the user's own voice: the backup API, its caps and its privacy.

Recordings live on the phone (IndexedDB, tests/browser/test_recordings.py); the server keeps a
copy only while backup is on. The audio files are tests/fixtures/recordings/ (see make.py there):
a real Chromium MediaRecorder WebM, and crafted minimal Ogg Opus and MP4 AAC files.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, csrf_token, submit
from webapp.extensions import db
from webapp.recordings.core import MAX_BYTES, MAX_RECORDINGS, own_affirmation_number, sniff_audio
from webapp.recordings.models import Recording, RecordingBackup
from webapp.routines.content import AFFIRMATIONS
from webapp.routines.models import UserAffirmation

FIXTURES = Path(__file__).parent / "fixtures" / "recordings"
WEBM = (FIXTURES / "voice.webm").read_bytes()
OGG = (FIXTURES / "voice.ogg").read_bytes()
M4A = (FIXTURES / "voice.m4a").read_bytes()
CURATED = AFFIRMATIONS[0].id
PNG = Path(__file__).parents[1].joinpath("static/icons/icon-192.png").read_bytes()


def _api(client, method: str, path: str, **kwargs):
    headers = {"X-CSRFToken": csrf_token(client, "/today"), **kwargs.pop("headers", {})}
    return client.open(path, method=method, headers=headers, **kwargs)


def backup(client, on: bool = True):
    response = _api(client, "POST", "/api/recordings/backup", json={"on": on})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def upload(client, affirmation_id: str, data: bytes, content_type: str = "audio/webm"):
    return _api(client, "PUT", f"/api/recordings/{affirmation_id}", data=data, content_type=content_type)


def server_copies(app, user_id: int) -> list[Recording]:
    with app.app_context():
        return list(db.session.scalars(db.select(Recording).filter_by(user_id=user_id)))


def own_affirmation(app, client, user_id: int, text: str = "I make the next call") -> str:
    assert submit(client, "/morning/affirmations", {"text": text}).status_code == 302
    with app.app_context():
        number = db.session.scalar(db.select(UserAffirmation.id).filter_by(user_id=user_id, text=text))
    return f"own-{number}"


# --- what counts as a recording (pure) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (WEBM, "audio/webm"),
        (OGG, "audio/ogg"),
        (M4A, "audio/mp4"),
        (b"", None),
        (PNG, None),
        (b"%PDF-1.7\n", None),
        (b"OggS" + bytes(60), None),  # an Ogg page with a wrong CRC and no OpusHead
        (OGG.replace(b"OpusHead", b"VorbisHd"), None),  # Ogg, but not Opus
        (WEBM.replace(b"A_OPUS", b"V_VP80"), None),  # WebM, but a video codec
        (WEBM.replace(b"webm", b"mkv!"), None),  # EBML, but not WebM
        (M4A.replace(b"soun", b"vide"), None),  # MP4 with a video track
        (M4A.replace(b"mp4a", b"avc1"), None),  # MP4, but not AAC
        (WEBM[:60], None),  # cut off before the tracks
        (M4A[:40], None),
        (b"\x1a\x45\xdf\xa3" + b"\xff" * 40, None),
        (b"\x00\x00\x00\x01ftyp" + b"\xff" * 8, None),  # a 64-bit size pointing past the end
    ],
    ids=[
        "webm-opus",
        "ogg-opus",
        "mp4-aac",
        "empty",
        "png",
        "pdf",
        "ogg-bad-crc",
        "ogg-vorbis",
        "webm-video",
        "matroska",
        "mp4-video",
        "mp4-not-aac",
        "webm-cut",
        "mp4-cut",
        "ebml-junk",
        "mp4-huge-size",
    ],
)
def test_the_container_and_codec_are_read_from_the_bytes(data, expected):
    assert sniff_audio(data) == expected


@pytest.mark.parametrize(
    ("text", "number"),
    [("own-1", 1), ("own-123456789", 123456789), ("own-0", None), ("own-1234567890", None), ("own-x", None)]
    + [("grit-1", None), ("own-01", None), ("own-1 ", None)],
)
def test_an_own_affirmation_id_is_own_and_a_number_any_database_holds(text, number):
    assert own_affirmation_number(text) == number


def test_the_sniffing_core_imports_only_the_standard_library():
    source = Path(__file__).resolve().parent.parent / "webapp" / "recordings" / "core.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names)


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.both_dbs
def test_a_backed_up_recording_comes_back_byte_for_byte_and_privately(app, client, user):
    assert backup(client)["backup"] is True
    mine = own_affirmation(app, client, user.id)
    created = upload(client, mine, WEBM, content_type="text/plain")  # the header is not believed
    assert created.status_code == 201
    assert created.get_json() == {
        "affirmation_id": mine,
        "content_type": "audio/webm",
        "bytes": len(WEBM),
        "sha256": hashlib.sha256(WEBM).hexdigest(),
        "updated_at": "2026-03-02T09:00:00+00:00",
    }
    assert upload(client, CURATED, M4A).status_code == 201
    response = client.get(f"/api/recordings/{mine}")
    assert response.status_code == 200
    assert response.data == WEBM
    assert response.mimetype == "audio/webm"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    listed = client.get("/api/recordings").get_json()
    assert listed["backup"] is True and listed["limit"] == MAX_RECORDINGS
    assert [(r["affirmation_id"], r["content_type"]) for r in listed["recordings"]] == sorted(
        [(mine, "audio/webm"), (CURATED, "audio/mp4")]
    )
    assert {r["affirmation_id"]: r["text"] for r in listed["recordings"]}[mine] == "I make the next call"


@pytest.mark.both_dbs
def test_replaying_an_upload_changes_nothing_and_a_new_take_replaces_it(app, client, user, clock):
    backup(client)
    first = upload(client, CURATED, WEBM)
    assert first.status_code == 201
    clock.advance(minutes=5)
    replay = upload(client, CURATED, WEBM)
    assert replay.status_code == 200
    assert replay.get_json() == first.get_json()  # same time stamp: nothing was written
    retake = upload(client, CURATED, OGG)
    assert retake.status_code == 200
    assert retake.get_json()["content_type"] == "audio/ogg"
    assert retake.get_json()["updated_at"] == "2026-03-02T09:05:00+00:00"
    assert [(r.affirmation_id, r.sha256) for r in server_copies(app, user.id)] == [
        (CURATED, hashlib.sha256(OGG).hexdigest())
    ]
    for _ in range(2):  # deleting is idempotent too
        deleted = _api(client, "DELETE", f"/api/recordings/{CURATED}")
        assert deleted.status_code == 200
    assert deleted.get_json() == {"affirmation_id": CURATED, "deleted": False}
    assert server_copies(app, user.id) == []
    assert client.get(f"/api/recordings/{CURATED}").status_code == 404


@pytest.mark.both_dbs
def test_a_recording_over_one_megabyte_is_refused_with_413_and_a_message(app, client, user):
    backup(client)
    # A real WebM header followed by padding: only its size is wrong.
    too_big = WEBM + bytes(MAX_BYTES + 1 - len(WEBM))
    response = upload(client, CURATED, too_big)
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert "1 MB" in response.get_json()["message"]
    assert server_copies(app, user.id) == []
    at_the_limit = WEBM + bytes(MAX_BYTES - len(WEBM))
    assert upload(client, CURATED, at_the_limit).status_code == 201


@pytest.mark.both_dbs
def test_the_twenty_first_recording_is_refused_with_400_and_a_message(app, client, user):
    backup(client)
    for curated in AFFIRMATIONS[:MAX_RECORDINGS]:
        assert upload(client, curated.id, OGG).status_code == 201
    one_more = AFFIRMATIONS[MAX_RECORDINGS].id
    response = upload(client, one_more, OGG)
    assert response.status_code == 400
    assert response.get_json()["error"] == "too_many_recordings"
    assert f"at most {MAX_RECORDINGS} recordings" in response.get_json()["message"]
    assert len(server_copies(app, user.id)) == MAX_RECORDINGS
    # Replacing one already kept is not one more.
    assert upload(client, AFFIRMATIONS[0].id, WEBM).status_code == 200
    assert _api(client, "DELETE", f"/api/recordings/{AFFIRMATIONS[1].id}").status_code == 200
    assert upload(client, one_more, OGG).status_code == 201


@pytest.mark.both_dbs
@pytest.mark.parametrize(
    "data",
    [PNG, b"just some text", b"", WEBM[:60], b"RIFF\x24\x00\x00\x00WAVEfmt "],
    ids=["png", "text", "empty", "truncated-webm", "wav"],
)
def test_a_file_that_is_not_opus_or_aac_audio_is_refused(app, client, user, data):
    backup(client)
    response = upload(client, CURATED, data, content_type="audio/webm")
    assert response.status_code == 415
    assert response.get_json()["error"] == "not_audio"
    assert "WebM" in response.get_json()["message"]
    assert server_copies(app, user.id) == []


@pytest.mark.both_dbs
def test_without_backup_nothing_is_kept_on_the_server(app, client, user):
    response = upload(client, CURATED, WEBM)
    assert response.status_code == 409
    assert response.get_json()["error"] == "backup_off"
    assert response.get_json()["message"]
    assert client.get("/api/recordings").get_json()["backup"] is False


@pytest.mark.both_dbs
def test_turning_backup_off_deletes_every_server_copy(app, client, user, other_client):
    backup(client)
    backup(other_client)
    assert upload(client, CURATED, WEBM).status_code == 201
    assert upload(client, AFFIRMATIONS[1].id, OGG).status_code == 201
    assert upload(other_client, CURATED, M4A).status_code == 201
    off = backup(client, on=False)
    assert off["backup"] is False and off["deleted"] == 2
    assert server_copies(app, user.id) == []
    assert backup(client, on=False)["deleted"] == 0  # a replay
    assert client.get(f"/api/recordings/{CURATED}").status_code == 404
    assert other_client.get(f"/api/recordings/{CURATED}").data == M4A  # Ben's are his
    with app.app_context():
        assert db.session.get(RecordingBackup, user.id) is None


@pytest.mark.both_dbs
def test_turning_backup_on_twice_keeps_when_it_was_first_turned_on(client, user, clock):
    since = backup(client)["backup_since"]
    clock.advance(hours=1)
    assert backup(client)["backup_since"] == since


@pytest.mark.both_dbs
def test_another_user_gets_404_for_the_same_path(app, client, user, other_client):
    backup(client)
    backup(other_client)
    mine = own_affirmation(app, client, user.id)
    assert upload(client, mine, WEBM).status_code == 201
    assert upload(client, CURATED, WEBM).status_code == 201
    for path in (f"/api/recordings/{mine}", f"/api/recordings/{CURATED}"):
        response = other_client.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    # Ben can't write into, or delete, Ana's own affirmation's recording either.
    assert upload(other_client, mine, OGG).status_code == 404
    assert _api(other_client, "DELETE", f"/api/recordings/{mine}").status_code == 404
    assert _api(other_client, "DELETE", f"/api/recordings/{CURATED}").get_json()["deleted"] is False
    assert client.get(f"/api/recordings/{mine}").data == WEBM
    assert len(server_copies(app, user.id)) == 2


@pytest.mark.both_dbs
@pytest.mark.parametrize("affirmation_id", ["nothing-1", "own-999999", "own-99999999999", "x" * 300])
def test_a_recording_for_no_affirmation_of_yours_is_404(client, user, affirmation_id):
    backup(client)
    assert upload(client, affirmation_id, WEBM).status_code == 404
    assert client.get(f"/api/recordings/{affirmation_id}").status_code == 404


@pytest.mark.both_dbs
def test_export_lists_which_affirmations_have_recordings_but_not_the_audio(app, client, user):
    backup(client)
    assert upload(client, CURATED, WEBM).status_code == 201
    exported = client.get("/api/export")
    assert exported.get_json()["recordings"] == [
        {
            "affirmation_id": CURATED,
            "content_type": "audio/webm",
            "bytes": len(WEBM),
            "updated_at": "2026-03-02T09:00:00+00:00",
        }
    ]
    assert hashlib.sha256(WEBM).hexdigest() not in exported.get_data(as_text=True)


@pytest.mark.both_dbs
def test_deleting_the_account_deletes_its_recordings(app, client, user):
    backup(client)
    assert upload(client, CURATED, WEBM).status_code == 201
    response = submit(client, "/account/delete", {"password": PASSWORD}, page="/account")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Recording.id))) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(RecordingBackup)) == 0


# --- pages ------------------------------------------------------------------------------------


def test_the_microphone_is_allowed_only_where_recording_is_offered(client, user):
    for path in ("/morning/affirmations",):
        policy = client.get(path).headers["Permissions-Policy"]
        assert "microphone=(self)" in policy and "camera=()" in policy
    for path in ("/today", "/morning", "/reset?step=affirmation", "/account", "/api/recordings"):
        assert "microphone=()" in client.get(path).headers["Permissions-Policy"], path


def test_the_recorder_loads_only_on_pages_with_recordings(client, user):
    affirmations = client.get("/morning/affirmations").get_data(as_text=True)
    assert "data-recorder" in affirmations and "need a newer browser" in affirmations
    assert "data-voice" in client.get("/morning").get_data(as_text=True)
    assert "data-voice" in client.get("/reset?step=affirmation").get_data(as_text=True)
    today = client.get("/today").get_data(as_text=True)
    assert "data-recorder" not in today and "data-voice" not in today
