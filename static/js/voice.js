// "Play in your voice" on /morning (each of the day's affirmations) and /reset (its one line):
// a button appears where this phone has a recording of that affirmation, and plays only when
// tapped. On /reset, when the day's line has no recording, one the user did record is offered
// instead, with its words. Loaded by app.js only on pages with [data-voice].
import * as recordings from "./recordings.js";
import { strings } from "./offline-queue.js";

const voiceWords = strings("voice");

const ICONS =
  '<svg class="icon icon-play" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M8 5.5v13l11-6.5z" fill="currentColor"/></svg>' +
  '<svg class="icon icon-stop" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="7" y="7" width="10" height="10" rx="2" fill="currentColor"/></svg>';
const DAY_MS = 86_400_000;

function button(record) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "button small voice-play";
  element.innerHTML = ICONS;
  const label = document.createElement("span");
  label.textContent = voiceWords.play;
  const words = document.createElement("span");
  words.className = "visually-hidden";
  words.textContent = `: ${record.text}`;
  element.append(label, words);
  element.setAttribute("aria-pressed", "false");
  element.addEventListener("click", () => {
    if (element.getAttribute("aria-pressed") === "true") {
      recordings.stopPlaying();
      return;
    }
    recordings.play(record, (on) => {
      label.textContent = on ? voiceWords.stop : voiceWords.play;
      element.setAttribute("aria-pressed", String(on));
      element.classList.toggle("is-playing", on);
    });
  });
  return element;
}

// Another recorded line for the reset step: a different one each day, the same all day.
function another(records) {
  const sorted = [...records].sort((a, b) => a.affirmationId.localeCompare(b.affirmationId));
  return sorted[Math.floor(Date.now() / DAY_MS) % sorted.length];
}

async function show(hooks) {
  const records = await recordings.list();
  const byId = new Map(records.map((record) => [record.affirmationId, record]));
  for (const hook of hooks) {
    let record = byId.get(hook.dataset.voice);
    const instead = !record && "voiceAny" in hook.dataset && records.length > 0;
    if (instead) record = another(records);
    if (!record) {
      hook.replaceChildren();
      hook.hidden = true;
      continue;
    }
    const parts = [];
    if (instead) {
      const other = document.createElement("p");
      other.className = "voice-other";
      const quote = document.createElement("q");
      quote.textContent = record.text;
      other.append(`${voiceWords.orHear} `, quote);
      parts.push(other);
    }
    parts.push(button(record));
    hook.replaceChildren(...parts);
    hook.hidden = false;
  }
}

export async function init(root) {
  const hooks = [...root.querySelectorAll("[data-voice]")];
  if (!hooks.length || !self.indexedDB) return;
  try {
    await show(hooks);
  } catch {
    return; // storage unavailable (a private window): the words are on the page as always
  }
  const since = hooks[0].dataset.backupSince || "";
  try {
    // A new phone gets its recordings back here too, not only on the recording page.
    const done = await recordings.sync(since);
    if (done.downloaded || done.removed) await show(hooks);
  } catch {
    // offline or the server is away: what this phone has already plays
  }
  document.body.dataset.voiceReady = "";
}
