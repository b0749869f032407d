// Recording on /morning/affirmations: each affirmation's [data-recorder] gets Record (then Stop),
// Play, Re-record and Delete, a level meter and a timer; at most 30 seconds. The microphone is asked
// for only when Record is tapped and released the moment recording stops. Loaded by app.js only on
// pages that have [data-recordings].
import * as recordings from "./recordings.js";
import { strings } from "./offline-queue.js";

const words = strings("recorder");

const MAX_SECONDS = 30;
// Opus in WebM (Chromium, Firefox) or Ogg (Firefox), else AAC in MP4 (Safari): what the server
// accepts (webapp/recordings/core.py).
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4;codecs=mp4a.40.2", "audio/mp4"];
const BITS_PER_SECOND = 64000;

export function chooseType() {
  if (!("MediaRecorder" in self) || !MediaRecorder.isTypeSupported) return "";
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

function supported() {
  return Boolean(chooseType() && navigator.mediaDevices?.getUserMedia && self.indexedDB && self.crypto?.subtle);
}

const MICROPHONE_PROBLEMS = {
  NotAllowedError: words.notAllowed,
  NotFoundError: words.notFound,
  NotReadableError: words.notReadable,
};

let session = null; // the one recording in progress on this page
const recorders = new Map(); // affirmation id -> Recorder
let section = null;

function backupSince() {
  return section?.dataset.backupSince || "";
}

function setStatus(text) {
  const status = section?.querySelector("[data-recordings-status]");
  if (status) status.textContent = text;
}

class Recorder {
  constructor(element, template) {
    this.element = element;
    this.id = element.dataset.recorder;
    this.text = element.dataset.text || "";
    this.take = null;
    element.append(template.content.cloneNode(true));
    element.setAttribute("role", "group");
    element.setAttribute("aria-label", words.say("yourVoice", { text: this.text }));
    this.buttons = {};
    for (const button of element.querySelectorAll("[data-action]")) {
      this.buttons[button.dataset.action] = button;
      button.addEventListener("click", () => this[camel(button.dataset.action)]());
    }
    this.meter = element.querySelector(".recorder-meter");
    this.level = element.querySelector(".recorder-level");
    this.time = element.querySelector("[data-time]");
    this.note = element.querySelector("[data-note]");
    this.confirm = element.querySelector(".recorder-confirm");
    element.hidden = false;
    this.show();
  }

  // The controls for the current state: nothing recorded, recording, or a take kept.
  show(message = null) {
    const recording = session?.owner === this;
    const kept = Boolean(this.take);
    const { record, stop, play, delete: remove } = this.buttons;
    record.hidden = recording;
    record.querySelector("[data-label]").textContent = kept ? "Re-record" : "Record";
    record.disabled = Boolean(session) && !recording;
    stop.hidden = !recording;
    play.hidden = recording || !kept;
    remove.hidden = recording || !kept;
    this.meter.hidden = !recording;
    this.confirm.hidden = true;
    if (!recording) this.time.textContent = "";
    this.element.classList.toggle("is-recording", recording);
    this.element.classList.toggle("is-empty", !recording && !kept);
    if (message !== null) this.note.textContent = message;
    else if (!recording) this.note.textContent = kept ? this.where() : "";
  }

  where() {
    if (!this.take) return "";
    const length = recordings.duration(this.take.seconds);
    const where = this.take.backedUpUnder && this.take.backedUpUnder === backupSince()
      ? words.onPhoneBackedUp
      : words.onPhone;
    return length ? `${length} · ${where}` : where;
  }

  async record() {
    if (session) return;
    recordings.stopPlaying();
    const type = chooseType();
    this.note.textContent = words.waiting;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (error) {
      this.show(MICROPHONE_PROBLEMS[error.name] || words.couldNotStart);
      return;
    }
    const recorder = new MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: BITS_PER_SECOND });
    const chunks = [];
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size) chunks.push(event.data);
    });
    session = { owner: this, stream, recorder, startedAt: performance.now(), meter: startMeter(stream, this.level) };
    session.ticker = setInterval(() => this.tick(), 200);
    recorder.addEventListener("stop", () => this.finish(chunks, recorder.mimeType || type));
    recorder.start(1000);
    for (const other of recorders.values()) other.show(other === this ? words.recording : null);
    this.tick();
    this.buttons.stop.focus();
  }

  tick() {
    if (session?.owner !== this) return;
    const seconds = (performance.now() - session.startedAt) / 1000;
    const whole = Math.min(MAX_SECONDS, Math.floor(seconds));
    this.time.textContent = `0:${String(whole).padStart(2, "0")} / 0:${MAX_SECONDS}`;
    this.time.dataset.seconds = String(whole);
    if (seconds >= MAX_SECONDS) this.stop();
  }

  stop() {
    if (session?.owner !== this || session.stopping) return;
    session.stopping = true;
    session.seconds = Math.min(MAX_SECONDS, (performance.now() - session.startedAt) / 1000);
    session.recorder.stop();
    release(); // the microphone goes off now, not when the file is written
  }

  async finish(chunks, type) {
    const seconds = session?.seconds ?? 0;
    session = null;
    const blob = new Blob(chunks, { type: type.split(";")[0] });
    if (!blob.size) {
      for (const other of recorders.values()) other.show(other === this ? words.nothing : null);
      return;
    }
    try {
      this.take = await recordings.save(this.id, this.text, blob, seconds);
    } catch {
      for (const other of recorders.values()) other.show(other === this ? words.storageFull : null);
      return;
    }
    for (const other of recorders.values()) other.show(null);
    this.show(words.say("savedLength", { length: recordings.duration(seconds) }));
    this.buttons.play.focus();
    if (backupSince()) syncNow();
  }

  play() {
    if (!this.take) return;
    if (recordings.isPlaying() && this.element.classList.contains("is-playing")) {
      recordings.stopPlaying();
      return;
    }
    const label = this.buttons.play.querySelector("[data-label]");
    recordings.play(this.take, (on) => {
      label.textContent = on ? words.stop : words.play;
      this.element.classList.toggle("is-playing", on);
      this.buttons.play.setAttribute("aria-pressed", String(on));
    });
  }

  delete() {
    this.confirm.hidden = false;
    this.confirm.querySelector("[data-action=keep]").focus();
  }

  keep() {
    this.confirm.hidden = true;
    this.buttons.delete.focus();
  }

  async confirmDelete() {
    recordings.stopPlaying();
    await recordings.remove(this.take);
    this.take = null;
    this.show(words.deleted);
    this.buttons.record.focus();
    if (backupSince()) syncNow();
  }
}

function camel(action) {
  return action.replace(/-(\w)/g, (_, letter) => letter.toUpperCase());
}

// The level meter: the loudness of the last few milliseconds, as the width of a bar.
function startMeter(stream, bar) {
  const AudioContext = self.AudioContext || self.webkitAudioContext;
  if (!AudioContext) return null;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let frame = 0;
  const draw = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    const loudness = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    bar.style.transform = `scaleX(${loudness.toFixed(3)})`;
    frame = requestAnimationFrame(draw);
  };
  draw();
  return { stop: () => (cancelAnimationFrame(frame), context.close().catch(() => {})) };
}

function release() {
  if (!session) return;
  clearInterval(session.ticker);
  session.meter?.stop();
  for (const track of session.stream.getTracks()) track.stop();
}

let syncing = null;

async function syncNow() {
  if (syncing) return syncing;
  syncing = (async () => {
    try {
      const done = await recordings.sync(backupSince());
      await loadKept();
      if (done.problems.length) setStatus(done.problems[0]);
      else if (done.uploaded || done.downloaded) {
        const parts = [];
        if (done.uploaded) parts.push(words.plural("backedUp", done.uploaded));
        if (done.downloaded) parts.push(words.plural("broughtBack", done.downloaded));
        setStatus(parts.join(" "));
      }
    } catch {
      setStatus(words.unreachable);
    } finally {
      syncing = null;
    }
  })();
  return syncing;
}

async function loadKept() {
  const kept = new Map((await recordings.list()).map((record) => [record.affirmationId, record]));
  for (const recorder of recorders.values()) {
    recorder.take = kept.get(recorder.id) || null;
    if (session?.owner !== recorder) recorder.show(null);
  }
}

function initBackup() {
  const toggle = section.querySelector("[data-recordings-backup]");
  toggle.checked = Boolean(backupSince());
  toggle.addEventListener("change", async () => {
    const on = toggle.checked;
    toggle.disabled = true;
    setStatus(on ? words.turningOn : words.turningOff);
    try {
      const state = await recordings.setBackup(on);
      section.dataset.backupSince = state.backup_since || "";
      if (on) {
        setStatus(words.backupOn);
        await syncNow();
      } else {
        await recordings.sync("");
        await loadKept();
        setStatus(
          state.deleted ? words.plural("backupOffDeleted", state.deleted) : words.backupOff,
        );
      }
    } catch {
      toggle.checked = !on;
      setStatus(words.needsConnection);
    } finally {
      toggle.disabled = false;
    }
  });
}

export async function init(root) {
  section = root.querySelector("[data-recordings]");
  if (!section || !supported()) return; // the page already says recordings need a newer browser
  const template = section.querySelector("[data-recorder-template]");
  section.querySelector("[data-recordings-unsupported]").hidden = true;
  section.querySelector("[data-recordings-ready]").hidden = false;
  for (const element of root.querySelectorAll("[data-recorder]")) {
    recorders.set(element.dataset.recorder, new Recorder(element, template));
  }
  initBackup();
  // Leaving the page (or the phone locking) ends a recording and frees the microphone.
  addEventListener("pagehide", () => session?.owner.stop());
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) session?.owner.stop();
  });
  try {
    await loadKept();
  } catch {
    setStatus(words.privateWindow);
  }
  if (backupSince()) await syncNow();
  section.dataset.recordingsReady = "";
}
