"""An affirmation in the user's own voice, recorded with Chromium's fake microphone.

The fake device (`--use-fake-device-for-media-stream`, with `--use-fake-ui-for-media-stream`
answering the permission prompt) is a real capture source: MediaRecorder encodes its beep to
Opus in WebM, exactly as on a phone. One walk through the whole story keeps the suite's budget:
record -> kept in IndexedDB -> plays on /morning with the server stopped -> backup on -> uploaded
once -> a second phone signed in as the same user gets it back (on /morning and /reset) -> another
user gets 404 -> backup off -> the server copy is gone, the phones keep theirs.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.recordings.models import Recording

from .conftest import (
    CHROMIUM_ARGS,
    PHONE,
    chromium_path,
    phone_opener,
    problems,
    register,
    sign_in,
    snap,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser

LINE = "I ask one more question before I assume"
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

# Keeps every stream the page gets from the microphone, to see when it is asked for and released.
WATCH_THE_MICROPHONE = """
if (navigator.mediaDevices) {
  const ask = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  self.microphoneStreams = [];
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await ask(constraints);
    self.microphoneStreams.push(stream);
    return stream;
  };
}
"""
LIVE_MICROPHONE_TRACKS = (
    "self.microphoneStreams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length"
)

KEPT_ON_THIS_PHONE = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("rebound-recordings");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const records = await new Promise((resolve) => {
    const request = db.transaction("recordings").objectStore("recordings").getAll();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return records.map((r) => ({ id: r.affirmationId, type: r.blob.type, bytes: r.blob.size, text: r.text }));
}"""


@pytest.fixture(scope="module")
def microphone_browser(_playwright):
    """Chromium with a fake microphone that needs no permission prompt."""
    browser = _playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=[*CHROMIUM_ARGS, *FAKE_MICROPHONE]
    )
    yield browser
    browser.close()


@pytest.fixture
def new_phone_with_microphone(microphone_browser, live_server):
    with phone_opener(microphone_browser, live_server, [WATCH_THE_MICROPHONE]) as open_phone:
        yield open_phone


def server_copies(live_server) -> list[str]:
    with live_server.app.app_context():
        return list(db.session.scalars(db.select(Recording.affirmation_id)))


def uploads(live_server) -> list[str]:
    return [line for line in live_server.requests if line.startswith("PUT /api/recordings/")]


def recorder_of(page, text: str):
    return page.get_by_role("group", name=f"Your voice: {text}")


def snap_both_schemes(page, name: str) -> None:
    """Light and dark, the window as tall as the page so the tab bar sits at the bottom."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size(
        {"width": PHONE["viewport"]["width"], "height": max(height, PHONE["viewport"]["height"])}
    )
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        snap(page, f"{name}-{scheme}")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(PHONE["viewport"])


def test_a_recording_plays_offline_and_comes_back_on_a_new_phone_only_with_backup(
    new_phone_with_microphone, live_server
):
    phone = new_phone_with_microphone()
    account = register(phone)
    wait_for_service_worker(phone)  # so the pages opened from here on are kept for offline use
    phone.goto("/morning/affirmations")
    phone.get_by_label("Your affirmation").fill(LINE)
    phone.get_by_role("button", name="Add", exact=True).click()
    recorder = recorder_of(phone, LINE)
    expect(recorder.get_by_role("button", name="Record")).to_be_visible()
    own_id = recorder.get_attribute("data-recorder")
    assert re.fullmatch(r"own-\d+", own_id)

    # Record: the microphone is asked for on the tap, not before; the meter shows while the fake
    # microphone beeps; Stop keeps the take on the phone and releases the microphone.
    assert phone.evaluate("self.microphoneStreams.length") == 0
    recorder.get_by_role("button", name="Record").click()
    expect(recorder.locator(".recorder-meter")).to_be_visible()
    assert phone.evaluate(LIVE_MICROPHONE_TRACKS) == 1
    expect(recorder.locator("[data-time]")).to_have_text(re.compile(r"0:0[1-9] / 0:30"))
    snap_both_schemes(phone, "recordings-recording")
    recorder.get_by_role("button", name="Stop").click()
    expect(recorder.get_by_text("Saved on this phone")).to_be_visible()
    expect(recorder.get_by_role("button", name="Re-record")).to_be_visible()
    expect(recorder.locator(".recorder-meter")).to_be_hidden()
    assert phone.evaluate(LIVE_MICROPHONE_TRACKS) == 0
    [kept] = phone.evaluate(KEPT_ON_THIS_PHONE)
    assert kept["id"] == own_id and kept["type"] == "audio/webm" and kept["bytes"] > 0
    assert kept["text"] == LINE
    assert uploads(live_server) == []  # backup is off: nothing left the phone
    snap_both_schemes(phone, "recordings-affirmations")

    # With the server stopped, the kept /morning page plays it from IndexedDB, after a tap.
    phone.goto("/morning")
    # Found by its place: its label turns from "Play in your voice" to "Stop" while it plays.
    play = phone.locator(f'[data-voice="{own_id}"]').get_by_role("button")
    expect(play).to_have_text(re.compile("^Play in your voice"))
    snap_both_schemes(phone, "recordings-morning")
    live_server.stop()
    phone.reload()
    expect(play).to_have_attribute("aria-pressed", "false")  # never plays on its own
    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")
    # Played to its end: the take is a few seconds long (the screenshots above took some), never over 30.
    expect(play).to_have_attribute("aria-pressed", "false", timeout=35_000)
    live_server.start()

    # Backup on: the take goes up once, and a later visit doesn't send it again.
    phone.goto("/morning/affirmations")
    phone.get_by_label("Back up to my account").check()
    expect(phone.get_by_text("1 recording backed up.")).to_be_visible()
    expect(recorder.get_by_text("On this phone · backed up")).to_be_visible()
    phone.reload()
    expect(phone.locator("[data-recordings][data-recordings-ready]")).to_be_attached()
    assert uploads(live_server) == [f"PUT /api/recordings/{own_id}"]
    assert server_copies(live_server) == [own_id]

    # A second phone, the same account: the recording comes back, for /morning and /reset.
    second = new_phone_with_microphone()
    sign_in(second, account)
    second.goto("/morning")
    expect(second.get_by_role("button", name="Play in your voice")).to_be_visible()
    assert [r["id"] for r in second.evaluate(KEPT_ON_THIS_PHONE)] == [own_id]
    second.goto("/reset?step=affirmation")
    expect(second.get_by_text("Or hear one of yours:")).to_be_visible()
    reset_play = second.locator("[data-voice]").get_by_role("button")
    reset_play.click()
    expect(reset_play).to_have_attribute("aria-pressed", "true")
    snap_both_schemes(second, "recordings-reset")

    # Another user, on a browser without JavaScript: the page says what recording needs, and
    # the recording's address is a 404.
    stranger = new_phone_with_microphone(java_script_enabled=False)
    register(stranger, name="Ben")
    stranger.goto("/morning/affirmations")
    expect(stranger.get_by_text("Recordings need a newer browser")).to_be_visible()
    expect(stranger.get_by_label("Your affirmation")).to_be_visible()
    assert stranger.request.get(f"/api/recordings/{own_id}").status == 404
    assert phone.request.get(f"/api/recordings/{own_id}").status == 200

    # Backup off (from the second phone): the server copy goes, both phones keep theirs.
    second.goto("/morning/affirmations")
    second.get_by_label("Back up to my account").uncheck()
    expect(second.get_by_text("Backup is off. 1 copy deleted from Rebound's server")).to_be_visible()
    assert server_copies(live_server) == []
    assert phone.request.get(f"/api/recordings/{own_id}").status == 404
    expect(recorder_of(second, LINE).get_by_role("button", name="Play")).to_be_visible()
    assert [r["id"] for r in phone.evaluate(KEPT_ON_THIS_PHONE)] == [own_id]

    for page in (phone, second, stranger):
        assert problems(page) == [], page.url
