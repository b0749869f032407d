// Affirmations in the user's own voice, kept on this phone first (IndexedDB), so they play with no
// network; matched with the server copy (/api/recordings) only while the user has backup on.
// Shared by recorder.js (/morning/affirmations) and voice.js (/morning, /reset).
//
// A record: {key, userId, affirmationId, text, blob, type, seconds, recordedAt, sha256,
// backedUpUnder, deleted}. `backedUpUnder` is the server's `backup_since` when this take was last
// known to match the server copy: after backup went off and on again it no longer matches, so the
// take is sent again instead of being mistaken for one deleted on another phone. `deleted` marks
// a take deleted here whose server copy is still to be deleted (no network at the time).
import { strings } from "./offline-queue.js";

const DB_NAME = "rebound-recordings";
const STORE = "recordings";
const PERSIST_ASKED = "rebound.recordingsPersistAsked";
const SYNC_LOCK = "rebound-recordings-sync";

let database = null;

function open() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
    request.onsuccess = () => {
      request.result.onversionchange = () => {
        request.result.close();
        database = null;
      };
      resolve(request.result);
    };
    request.onerror = () => reject(request.error);
  });
  return database;
}

async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = work(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
  });
}

export function currentUser() {
  return document.querySelector('meta[name="user-id"]')?.content || "";
}

const keyOf = (affirmationId) => `${currentUser()}|${affirmationId}`;

// This user's takes, the deleted ones too when asked (sync needs them).
async function all(withDeleted = false) {
  const user = currentUser();
  const records = await run("readonly", (store) => store.getAll());
  return records.filter((r) => r.userId === user && (withDeleted || !r.deleted));
}

export const list = () => all(false);
export const put = (record) => run("readwrite", (store) => store.put(record));
const drop = (record) => run("readwrite", (store) => store.delete(record.key));

export async function digest(blob) {
  const hash = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// A new take replaces the old one on this phone; it is not backed up until the server has it.
export async function save(affirmationId, text, blob, seconds) {
  const record = {
    key: keyOf(affirmationId),
    userId: currentUser(),
    affirmationId,
    text,
    blob,
    type: blob.type,
    seconds,
    recordedAt: new Date().toISOString(),
    sha256: await digest(blob),
    backedUpUnder: "",
    deleted: false,
  };
  await put(record);
  askToKeepStorageOnce();
  return record;
}

// Deleted here at once; the server copy (if any) goes at the next sync.
export async function remove(record) {
  if (record.backedUpUnder) await put({ ...record, deleted: true, blob: null });
  else await drop(record);
}

// Ask once whether the browser may keep this site's storage under pressure (a recording is
// worth keeping); the answer doesn't change what works, so it is never asked again.
function askToKeepStorageOnce() {
  try {
    if (!navigator.storage?.persist || localStorage.getItem(PERSIST_ASKED)) return;
    localStorage.setItem(PERSIST_ASKED, new Date().toISOString());
    navigator.storage.persist().catch(() => {});
  } catch {
    // storage blocked: nothing to remember, nothing to ask
  }
}

// --- the server copy --------------------------------------------------------------------------

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

async function call(method, path, body = undefined, retried = false) {
  const headers = { "X-CSRFToken": csrfToken() };
  if (body && !(body instanceof Blob)) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body instanceof Blob || body === undefined ? body : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.status === 403 && !retried) {
    // The page's token is stale (a long-open page): fetch a fresh one once and try again.
    const fresh = await fetch("/api/csrf", { credentials: "same-origin", cache: "no-store" });
    if (fresh.ok) {
      const meta = document.querySelector('meta[name="csrf-token"]');
      if (meta) meta.content = (await fresh.json()).csrf_token;
      return call(method, path, body, true);
    }
  }
  return response;
}

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.message || `The server answered ${response.status}.`);
    error.code = body.error || "";
    throw error;
  }
  return body;
}

export async function setBackup(on) {
  return answer(await call("POST", "/api/recordings/backup", { on }));
}

async function forgetBackup() {
  for (const record of await all(true)) {
    if (record.deleted) await drop(record);
    else if (record.backedUpUnder) await put({ ...record, backedUpUnder: "" });
  }
}

const path = (affirmationId) => `/api/recordings/${encodeURIComponent(affirmationId)}`;

async function download(copy, since) {
  const response = await call("GET", path(copy.affirmation_id));
  if (!response.ok) return false;
  const blob = await response.blob();
  if ((await digest(blob)) !== copy.sha256) return false; // changed meanwhile: next time
  await put({
    key: keyOf(copy.affirmation_id),
    userId: currentUser(),
    affirmationId: copy.affirmation_id,
    text: copy.text,
    blob: new Blob([blob], { type: copy.content_type }),
    type: copy.content_type,
    seconds: null,
    recordedAt: copy.updated_at,
    sha256: copy.sha256,
    backedUpUnder: since,
    deleted: false,
  });
  return true;
}

// Make this phone and the server agree. The newest take wins: one not yet backed up (recorded
// here) goes up; one backed up before that the server no longer has was deleted on another
// phone; a server copy this phone lacks, or that replaced a take this phone had backed up, comes
// down. Returns what it did; `problems` holds the server's messages (a cap reached, ...).
export async function sync(backupSince) {
  const done = { uploaded: 0, downloaded: 0, removed: 0, problems: [] };
  if (!backupSince) {
    await forgetBackup();
    return done;
  }
  const work = async () => {
    const listing = await answer(await call("GET", "/api/recordings"));
    if (!listing.backup) {
      await forgetBackup();
      return done;
    }
    const since = listing.backup_since;
    const copies = new Map(listing.recordings.map((copy) => [copy.affirmation_id, copy]));
    for (const record of await all(true)) {
      const copy = copies.get(record.affirmationId);
      copies.delete(record.affirmationId);
      if (record.deleted) {
        const response = await call("DELETE", path(record.affirmationId));
        if (response.ok || response.status === 404) await drop(record);
      } else if (copy && copy.sha256 === record.sha256) {
        if (record.backedUpUnder !== since) await put({ ...record, backedUpUnder: since });
      } else if (record.backedUpUnder === since && !copy) {
        await drop(record);
        done.removed += 1;
      } else if (record.backedUpUnder === since && copy) {
        if (await download(copy, since)) done.downloaded += 1;
      } else {
        const response = await call("PUT", path(record.affirmationId), record.blob);
        if (response.ok) {
          await put({ ...record, backedUpUnder: since });
          done.uploaded += 1;
        } else {
          const body = await response.json().catch(() => ({}));
          if (response.status === 409) break; // backup went off meanwhile
          if (response.status !== 404) done.problems.push(body.message || strings("recorder").say("notBackedUp", { status: response.status }));
        }
      }
    }
    for (const copy of copies.values()) {
      if (await download(copy, since)) done.downloaded += 1;
    }
    return done;
  };
  // One sync at a time across this phone's open pages.
  return navigator.locks ? navigator.locks.request(SYNC_LOCK, work) : work();
}

// --- playback ---------------------------------------------------------------------------------

let playing = null; // {audio, url, stop}

// Play a take (after a tap, never on its own); `onChange(isPlaying)` follows its state.
export function play(record, onChange) {
  stopPlaying();
  const url = URL.createObjectURL(record.blob);
  const audio = new Audio(url);
  const stop = () => {
    if (playing?.audio !== audio) return;
    playing = null;
    audio.pause();
    URL.revokeObjectURL(url);
    onChange(false);
  };
  playing = { audio, stop };
  audio.addEventListener("ended", stop);
  audio.addEventListener("error", stop);
  onChange(true);
  audio.play().catch(stop);
  return audio;
}

export function stopPlaying() {
  playing?.stop();
}

export function isPlaying() {
  return playing !== null;
}

export function duration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  const whole = Math.max(1, Math.round(seconds));
  return `0:${String(whole).padStart(2, "0")}`;
}
