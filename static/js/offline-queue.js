// Nothing typed is lost. A form marked [data-offline="<builder>"] keeps what was typed on this
// phone first (static/js/outbox.js), then sends it to the JSON API: when the server has it, the
// page moves on as the form would have; without a signal it says "Saved on this phone — will
// sync" and leaves the words in place. Saved items sync on every page load, when the browser is
// back online, and by Background Sync in the service worker. Without JavaScript the same forms
// post as they always did.
import "./outbox.js";

// --- the page's words ---------------------------------------------------------------------------
// The words scripts show, from the page itself (data-page-strings, written by the server in the
// page's language: webapp/i18n/js.py), so there is no second catalog to keep. Placeholders are
// gettext's `%(name)s`; a plural comes as one template per plural category, picked with
// Intl.PluralRules in the page's language. Here because every page loads this module: one more
// file would be one more request on every first visit.
let page = null;

function all() {
  if (page === null) {
    try {
      page = JSON.parse(document.querySelector("[data-page-strings]")?.dataset.pageStrings || "{}");
    } catch {
      page = {};
    }
  }
  return page;
}

export function lang() {
  return document.documentElement.lang || "en";
}

// Whole numbers under 1000 are written alike in every language Rebound speaks (Latin digits, no
// grouping), so the counts a page shows at load ("1 minute") need no Intl.NumberFormat: building
// the first one costs 25-50 ms of main thread on this project's machine (bench/lighthouse).
const LATIN_DIGITS = /^(en|de|es|fr|pt)(-|$)/i;
let numbers = null;
let plurals = null;

export function formatNumber(n) {
  if (Number.isInteger(n) && n >= 0 && n < 1000 && LATIN_DIGITS.test(lang())) return String(n);
  numbers ??= new Intl.NumberFormat(lang());
  return numbers.format(n);
}

export function format(template, values = {}) {
  return String(template ?? "").replace(/%\((\w+)\)[sd]/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

// The group's words: words.key (a string) and words.plural(key, n, values).
export function strings(group) {
  const words = all()[group] || {};
  return {
    ...words,
    say: (key, values) => format(words[key], values),
    plural(key, n, values = {}) {
      const forms = words[key] || {};
      let category = "other";
      try {
        plurals ??= new Intl.PluralRules(lang());
        category = plurals.select(n);
      } catch {
        // an unknown language tag: "other" reads right for most counts
      }
      return format(forms[category] ?? forms.other, { num: formatNumber(n), ...values });
    },
  };
}

const outbox = globalThis.ReboundOutbox;
const queueWords = strings("queue");
const SAVED = queueWords.saved;
const SYNCED = queueWords.synced;
const SIGN_IN = queueWords.signIn;
const FLASH_KEY = "rebound.outbox.flash";
const REFLECTION = ["went_well", "didnt_go_well", "learned", "reframe", "small_win"];
const LABELS = {
  morning: queueWords.morning,
  breathe: queueWords.breathing,
  reflect: queueWords.reflection,
  setback: queueWords.setback,
};

const state = {
  userId: document.querySelector('meta[name="user-id"]')?.content || null,
  unsynced: 0, // this user's items not on the server yet (for the sign-out warning)
  signin: false, // the last replay found no session (or someone else's)
  synced: false, // something saved earlier reached the server while this page was open
  status: null,
  failed: null,
  notes: new Map(), // item id -> the form whose note speaks for it
};
const busy = new WeakSet();
const kept = new WeakMap(); // form -> the fields it last kept on this phone

const value = (form, name) => (form.elements.namedItem(name)?.value ?? "").trim();
const element = (tag, className, text) => Object.assign(document.createElement(tag), { className, textContent: text });

// What each hooked form sends: the API's body without its id and time (added at submit), or
// null when something required is missing (the form then posts and the server explains).
const BUILDERS = {
  reflect(form) {
    const data = Object.fromEntries(REFLECTION.map((name) => [name, value(form, name)]));
    data.mood = value(form, "mood") ? Number(value(form, "mood")) : null;
    if (data.mood === null && !REFLECTION.some((name) => data[name])) return null;
    return { kind: "completion", fields: { routine: "reflect", data } };
  },
  morning(form) {
    const data = {
      intention: value(form, "intention"),
      affirmation_ids: JSON.parse(form.dataset.offlineAffirmations || "[]"),
    };
    return { kind: "completion", fields: { routine: "morning", data } };
  },
  breathe(form) {
    const pattern = value(form, "pattern");
    const minutes = value(form, "minutes");
    const seconds = Number(value(form, "seconds")) || Number(minutes) * 60;
    const next = `${form.dataset.offlineNext}?${new URLSearchParams({ pattern, minutes })}`;
    return { kind: "completion", fields: { routine: "breathe", data: { pattern, seconds } }, next };
  },
  setback(form) {
    const fields = {
      what_happened: value(form, "what_happened"),
      objection: value(form, "objection") || "other",
      controlled: value(form, "controlled"),
      learned: value(form, "learned"),
      follow_up_on: value(form, "follow_up_on") || null,
    };
    return fields.what_happened ? { kind: "setback", fields } : null;
  },
};

// Where a saved form goes next. After a setback the page names it (`logged`), so it can bring
// back what was learned the last times the same objection came up, as the plain form's redirect does.
function nextAfter(form, entry) {
  const next = new URL(form.dataset.offlineNext, location.href);
  if (entry.kind === "setback") next.searchParams.set("logged", entry.id);
  return `${next.pathname}${next.search}`;
}

function newItem(kind, fields) {
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const body = kind === "setback" ? { id, occurred_at: now, ...fields } : { id, completed_at: now, ...fields };
  return outbox.item(kind, body, state.userId);
}

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

function wakeBackgroundSync() {
  navigator.serviceWorker
    ?.getRegistration()
    .then((registration) => registration?.sync?.register(outbox.SYNC_TAG))
    .catch(() => {}); // no Background Sync here: the next page or `online` sends it
}

// A message, or the sign-in prompt as a link (plain words on the sign-in page itself).
function say(element, text) {
  if (text === SIGN_IN && location.pathname !== "/login") {
    const link = Object.assign(document.createElement("a"), { href: "/login", textContent: SIGN_IN });
    element.replaceChildren(link);
  } else if (element.textContent !== text || element.children.length) {
    element.textContent = text;
  }
}

function note(form, text) {
  say(form.querySelector("[data-outbox-note]"), text);
}

// The same send the finished breathing timer uses (breathe.js): resolves with the server's
// answer; rejects with error.queued when kept on this phone, error.status when the server said no.
export async function send(kind, body) {
  const result = await outbox.save(outbox.item(kind, body, state.userId), csrfToken());
  if (result.outcome === "sent") return result.body;
  if (result.outcome === "unkept") throw new Error("Not sent, and this phone can't keep it.");
  const error = new Error(result.outcome === "failed" ? result.error : SAVED);
  if (result.outcome === "failed") error.status = result.status;
  else error.queued = true;
  state.signin ||= result.outcome === "signin";
  if (result.outcome === "later") wakeBackgroundSync();
  refresh();
  throw error;
}

async function submit(event) {
  const form = event.currentTarget;
  const built = BUILDERS[form.dataset.offline]?.(form);
  if (!built || !state.userId || event.defaultPrevented) return;
  event.preventDefault();
  const fingerprint = JSON.stringify(built.fields);
  if (busy.has(form) || kept.get(form) === fingerprint) return; // a second tap: the note says it all
  busy.add(form);
  note(form, queueWords.saving);
  const entry = newItem(built.kind, built.fields);
  const result = await outbox.save(entry, csrfToken());
  busy.delete(form);
  if (result.outcome === "sent") {
    // The words the server says after the same form (data-offline-done), carried to the next page.
    const done = form.dataset.offlineDone;
    if (done) sessionStorage.setItem(FLASH_KEY, done);
    location.assign(built.next || nextAfter(form, entry));
  } else if (result.outcome === "failed" || result.outcome === "unkept") {
    // Posted as usual, the form shows the server's message next to the field, every word kept
    // (or, with no network and nowhere to keep it, the browser's own offline page).
    if (result.outcome === "failed") await outbox.discard(entry);
    form.submit();
  } else {
    kept.set(form, fingerprint);
    state.notes.set(entry.id, form);
    state.signin ||= result.outcome === "signin";
    note(form, SAVED);
    if (result.outcome === "later") wakeBackgroundSync();
    refresh();
  }
}

function markSynced(ids) {
  for (const id of ids) {
    const form = state.notes.get(id);
    if (form) note(form, SYNCED);
    else state.synced = true;
    state.notes.delete(id);
  }
  if (ids.length) state.signin = false;
}

function describe(entry) {
  const { body } = entry;
  const label = LABELS[entry.kind === "setback" ? "setback" : body.routine] || queueWords.savedItem;
  const words =
    entry.kind === "setback" ? [body.what_happened, body.controlled, body.learned] : Object.values(body.data || {});
  const when = new Date(entry.createdAt).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  return { label: `${label} · ${when}`, words: words.filter((w) => typeof w === "string" && w).join("\n") };
}

function failedItem(entry) {
  const { label, words } = describe(entry);
  const li = element("li", "outbox-item");
  const button = Object.assign(element("button", "button", queueWords.discard), { type: "button" });
  button.setAttribute("aria-label", queueWords.say("discardItem", { item: label }));
  button.addEventListener("click", async () => {
    if (!window.confirm(queueWords.discardQuestion)) return;
    await outbox.discard(entry);
    refresh();
  });
  li.append(element("p", "outbox-label", label));
  if (words) li.append(element("p", "outbox-words", words));
  li.append(element("p", "error", entry.error), button);
  return li;
}

// Paint the panel from the queue: the status line, and the items the server turned down.
async function refresh() {
  if (!state.status) return; // init() hasn't run: no panel to paint
  let items;
  try {
    items = await outbox.list(state.userId);
  } catch {
    return;
  }
  const pending = items.filter((entry) => entry.status === "pending");
  const failed = items.filter((entry) => entry.status === "failed");
  state.unsynced = items.length;
  const unannounced = pending.filter((entry) => !state.notes.has(entry.id));
  const signin = state.signin || !state.userId;
  let text = "";
  if (pending.length && signin) text = SIGN_IN;
  else if (unannounced.length) text = SAVED;
  else if (state.synced && !pending.length) text = SYNCED;
  say(state.status, text);
  // Someone else's words are never shown, not even on a signed-out page.
  const list = state.failed.querySelector("ul");
  list.replaceChildren(...(state.userId ? failed.map(failedItem) : []));
  state.failed.hidden = !list.children.length;
}

async function sync() {
  if (state.userId) {
    try {
      const result = await outbox.replay(state.userId);
      // With BroadcastChannel the news arrives as a message (to every page, this one too).
      if (!("BroadcastChannel" in self)) markSynced(result.sent);
      state.signin = result.outcome === "signin";
      if (result.outcome === "later") wakeBackgroundSync();
    } catch {
      // IndexedDB went away mid-way: nothing was removed, the next page tries again
    }
  }
  await refresh();
}

function confirmSignOut(event) {
  const n = state.unsynced;
  const question = queueWords.plural("signOutQuestion", n);
  if (n && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation(); // nothing else (push, for one) acts on a sign-out that didn't happen
    return;
  }
  // Pages kept for offline use are this user's: the service worker forgets them.
  navigator.serviceWorker?.controller?.postMessage({ type: "clear-pages" });
}

// The panel is in the page as the server drew it (base.html), so nothing is inserted into the
// page after its first paint (no second layout while it loads); built here only where it is not.
function buildPanel(main) {
  let panel = main.querySelector(":scope > [data-outbox]");
  if (!panel) {
    panel = document.createElement("div");
    panel.className = "outbox";
    panel.innerHTML = `<p class="outbox-status" aria-live="polite" data-outbox-status></p>
      <section class="card outbox-failed" aria-labelledby="outbox-failed-heading" hidden>
        <h2 id="outbox-failed-heading"></h2>
        <p class="muted small"></p>
        <ul class="outbox-items" role="list"></ul>
      </section>`;
    panel.querySelector("#outbox-failed-heading").textContent = queueWords.notSynced;
    panel.querySelector(".outbox-failed .muted").textContent = queueWords.turnedDown;
    const flashes = main.querySelector(":scope > .flashes");
    if (flashes) flashes.after(panel);
    else main.prepend(panel);
  }
  state.status = panel.querySelector("[data-outbox-status]");
  state.failed = panel.querySelector(".outbox-failed");
}

// The message the server would have flashed after the same form, carried over the navigation.
function carriedFlash() {
  try {
    const message = sessionStorage.getItem(FLASH_KEY);
    if (message !== null) sessionStorage.removeItem(FLASH_KEY); // no write on the usual page
    return message;
  } catch {
    return null;
  }
}

function showCarriedFlash(main) {
  const message = carriedFlash();
  if (!message || main.querySelector(":scope > .flashes, [data-finish] .flashes")) return;
  const flashes = element("div", "flashes");
  flashes.setAttribute("role", "status");
  flashes.append(element("p", "", message));
  // A routine's finish state says it in place of its own note: one "saved" line, not two.
  const finishSay = main.querySelector("[data-finish-say]");
  if (finishSay) finishSay.replaceWith(flashes);
  else main.prepend(flashes);
}

export function init(root) {
  const main = root.querySelector("main");
  if (!outbox || !main || !("indexedDB" in self) || !crypto.randomUUID) return;
  showCarriedFlash(main);
  buildPanel(main);
  for (const form of root.querySelectorAll("form[data-offline]")) {
    const place = element("p", "outbox-note");
    place.setAttribute("aria-live", "polite");
    place.dataset.outboxNote = "";
    form.append(place);
    form.addEventListener("submit", submit);
  }
  for (const form of root.querySelectorAll("form[data-logout]")) {
    form.addEventListener("submit", confirmSignOut, true);
  }
  window.addEventListener("online", sync);
  outbox.onChange((change) => {
    if (change.userId === state.userId) markSynced(change.synced);
    refresh();
  });
  sync();
}
