// Rebound's service worker: a classic script, served at /sw.js by webapp/pwa.py, which fills in
// VERSION (the asset version: a hash of everything under static/) and SHELL (the versioned URLs of
// every stylesheet, module and icon). This file changes whenever a static file does, so each deploy
// installs a new worker with a cache of its own: a page never mixes files from two deploys.
//
// Caches: "rebound-<VERSION>" holds the app shell and /offline; "rebound-pages" holds the pages the
// signed-in user opened, for use without a signal (cleared on sign-out: {type: "clear-pages"}).
// Other caches must not be named "rebound-*": activate deletes those it doesn't know.

const VERSION = "__ASSET_VERSION__";
const SHELL = ["__SHELL__"];
// The manifest is kept too (Chromium reads it on every page load); its digest is here so that a new
// manifest makes a new worker, which keeps the new one.
const MANIFEST_URL = "/manifest.webmanifest";
const MANIFEST_DIGEST = "__MANIFEST_DIGEST__";

const SHELL_CACHE = `rebound-${VERSION}`;
const PAGES_CACHE = "rebound-pages";
const OFFLINE_URL = "/offline";
// Signed-in pages kept before they are first opened, so they work offline from the start.
const WARM_PAGES = ["/today", "/breathe"];
// Pages never kept: they belong to nobody yet, or they change who is signed in.
const NEVER_KEPT = new Set(["/login", "/register", "/logout", OFFLINE_URL]);
const NETWORK_TIMEOUT_MS = 3000;
// Marks the worker's own fetches, so the server (and bench/weight.py) can tell them from a page's.
const PRECACHE_HEADERS = { "X-Rebound-Precache": "1" };

// --- install: the shell, all or nothing -------------------------------------------------------

async function precacheShell() {
  const requests = [
    ...SHELL.map((url) => new Request(url, { headers: PRECACHE_HEADERS })),
    // The offline page is the same for everyone: fetched without cookies, it names no user.
    new Request(OFFLINE_URL, { headers: PRECACHE_HEADERS, credentials: "omit" }),
    new Request(MANIFEST_URL, { headers: PRECACHE_HEADERS, credentials: "omit" }),
  ];
  const responses = await Promise.all(requests.map((request) => fetch(request)));
  responses.forEach((response, i) => {
    // A file from another version (an instance not yet on this deploy) would spoil the cache:
    // fail the install and let the browser try again on a later visit.
    const served = response.headers.get("X-Asset-Version");
    if (!response.ok || (served && served !== VERSION)) {
      throw new Error(`Rebound ${VERSION}/${MANIFEST_DIGEST}: could not keep ${requests[i].url}`);
    }
  });
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(responses.map((response, i) => cache.put(requests[i], response)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precacheShell().then(() => self.skipWaiting()));
});

// --- activate: drop what belongs to other versions --------------------------------------------

async function dropStalePages() {
  // A kept page names its assets by version; one from an earlier deploy would load files this
  // worker no longer has. Keep only pages rendered for this version.
  const cache = await caches.open(PAGES_CACHE);
  const marker = `/static/v/${VERSION}/`;
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (!response || !(await response.text()).includes(marker)) await cache.delete(request);
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("rebound-") && name !== SHELL_CACHE && name !== PAGES_CACHE) {
          await caches.delete(name);
        }
      }
      await dropStalePages();
      await self.clients.claim();
    })(),
  );
});

// --- fetch ------------------------------------------------------------------------------------

// Signed-in pages come with Cache-Control: no-store, which keeps them out of the browser's HTTP
// cache (a shared computer's back button, a proxy). This cache is the app's own, for offline use,
// cleared at sign-out: it keeps pages (HTML), never a download (a CSV zip, the JSON export), and
// never a page the server marks X-Rebound-Offline: never (another person's support page).
function isKept(url, response) {
  return (
    response.status === 200 &&
    response.type === "basic" &&
    !response.redirected &&
    !NEVER_KEPT.has(url.pathname) &&
    (response.headers.get("Content-Type") || "").startsWith("text/html") &&
    !(response.headers.get("Content-Disposition") || "").startsWith("attachment") &&
    response.headers.get("X-Rebound-Offline") !== "never"
  );
}

// Pages being written to PAGES_CACHE, by path: warmPages waits for them instead of fetching again.
const storing = new Map();

async function cachedPage(request) {
  const pages = await caches.open(PAGES_CACHE);
  return (await pages.match(request, { ignoreVary: true })) || (await offlinePage());
}

// --- the offline page in the reader's language --------------------------------------------------
// Pages say which language they are in ({type: "language"}); the worker keeps /offline in it too
// and shows that one. Until a page has said, the /offline kept at install (the browser's language).
const LANGUAGE_KEY = "/offline-language";

async function offlinePage() {
  const shell = await caches.open(SHELL_CACHE);
  const chosen = await shell.match(LANGUAGE_KEY);
  const lang = chosen ? await chosen.text() : "";
  return (
    (lang && (await shell.match(`${OFFLINE_URL}?lang=${lang}`, { ignoreVary: true }))) ||
    shell.match(OFFLINE_URL, { ignoreVary: true })
  );
}

async function keepOfflinePage(lang) {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang || "")) return;
  const shell = await caches.open(SHELL_CACHE);
  const url = `${OFFLINE_URL}?lang=${lang}`;
  if (!(await shell.match(url, { ignoreVary: true }))) {
    const response = await fetch(new Request(url, { headers: PRECACHE_HEADERS, credentials: "omit" }));
    if (!response.ok) return;
    await shell.put(url, response);
  }
  await shell.put(LANGUAGE_KEY, new Response(lang));
}

// Network first, for at most NETWORK_TIMEOUT_MS; then the kept copy of the page; then /offline.
async function navigate(event) {
  const request = event.request;
  const url = new URL(request.url);
  const controller = new AbortController();
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error("network timeout"));
    }, NETWORK_TIMEOUT_MS);
  });
  let response;
  try {
    response = await Promise.race([fetch(request, { signal: controller.signal }), timeout]);
  } catch {
    return (await cachedPage(request)) || Response.error();
  } finally {
    clearTimeout(timer); // the page is arriving: never cut its body short
  }
  if (isKept(url, response)) {
    const copy = response.clone();
    const key = url.pathname + url.search;
    const stored = caches.open(PAGES_CACHE).then((cache) => cache.put(request, copy));
    storing.set(key, stored);
    event.waitUntil(stored.finally(() => storing.delete(key)));
  } else if (response.status >= 500) {
    // The server is there but failing (a deploy, an outage): a kept copy beats an error page.
    const pages = await caches.open(PAGES_CACHE);
    const kept = await pages.match(request, { ignoreVary: true });
    if (kept) return kept;
  }
  return response;
}

// Cache first: versioned files never change under their URL; the manifest changes with the worker.
async function cacheFirst(event) {
  const cached = await caches.match(event.request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(event.request);
  if (response.status === 200) {
    const copy = response.clone();
    event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.put(event.request, copy)));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // the network only: never kept
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith("/static/") || url.pathname === MANIFEST_URL) {
    event.respondWith(cacheFirst(event));
  }
});

// --- messages from pages ----------------------------------------------------------------------

// Keep the signed-in pages that should work offline, unless already kept (no request then).
async function warmPages() {
  const cache = await caches.open(PAGES_CACHE);
  for (const path of WARM_PAGES) {
    await storing.get(path)?.catch(() => null);
    if (await cache.match(path, { ignoreVary: true })) continue;
    const response = await fetch(path, { headers: PRECACHE_HEADERS });
    if (isKept(new URL(response.url), response)) await cache.put(path, response);
  }
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  let work = null;
  if (type === "clear-pages") work = caches.delete(PAGES_CACHE); // on sign-out
  else if (type === "warm-pages") work = warmPages(); // sent by signed-in pages
  else if (type === "claim") work = self.clients.claim(); // a page that opened while installing
  else if (type === "language") work = keepOfflinePage(event.data.lang); // sent by every page
  if (!work) return;
  // A page that passes a MessagePort hears when it is done, or that it failed and why.
  const reply = (answer) => event.ports[0] && event.ports[0].postMessage({ type, ...answer });
  event.waitUntil(
    work.then(
      () => reply({ done: true }),
      (error) => reply({ done: false, error: String(error) }),
    ),
  );
});

// === offline queue (background sync) ===
// What a page kept without a signal (static/js/outbox.js, the same file the pages use, from this
// version's shell) is sent when the browser says the network is back, only for the user whose
// session this browser holds: /api/csrf says who that is.
importScripts(`/static/v/${VERSION}/js/outbox.js`);

self.addEventListener("sync", (event) => {
  if (event.tag !== self.ReboundOutbox.SYNC_TAG) return;
  event.waitUntil(
    self.ReboundOutbox.replay().then((result) => {
      // Still no network: failing the event makes the browser try again later.
      if (result.outcome === "later") throw new Error("Rebound: the outbox waits for the network");
    }),
  );
});

// === push reminders ===
// Reminders (webapp/reminders): show what the server sent, act on a tap, keep the subscription
// alive. The decisions are plain functions in notification-logic.js, tested in a page.
importScripts(`/static/v/${VERSION}/js/notification-logic.js`);
const Reminders = self.ReboundNotifications;
const REMINDER_ICON = `/static/v/${VERSION}/icons/icon-192.png`;

self.addEventListener("push", (event) => {
  const payload = Reminders.readPayload(event.data ? event.data.text() : "");
  event.waitUntil(
    self.registration.showNotification(payload.title, Reminders.notificationOptions(payload, REMINDER_ICON)),
  );
});

// "Later" needs no session or CSRF token: the signed, single-use token in the payload is enough.
function snoozeReminder(token) {
  return fetch(...Reminders.snoozeRequest(token)).catch(() => null); // offline: no second reminder
}

async function showPage(plan, pages) {
  if (plan.kind === "open") return self.clients.openWindow(plan.url);
  const page = pages[plan.index];
  const focused = await page.focus();
  if (focused.url === plan.url) return focused;
  try {
    return await focused.navigate(plan.url);
  } catch {
    // navigate() only works on a page this worker controls; open the page beside it instead.
    return self.clients.openWindow(plan.url);
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const pages = await self.clients.matchAll(Reminders.CLIENT_QUERY);
      const plan = Reminders.clickPlan(
        event.action,
        event.notification.data,
        pages.map((page) => page.url),
        self.location.origin,
      );
      if (plan.kind === "snooze") return snoozeReminder(plan.token);
      if (plan.kind === "none") return null;
      return showPage(plan, pages);
    })(),
  );
});

// The worker has no page to read a CSRF token from: it asks for one with the session cookie.
async function postSubscription(subscription) {
  const answer = await fetch("/api/csrf", { credentials: "same-origin" });
  if (!answer.ok) return; // signed out: the next sign-in on this phone sends it again
  const { csrf_token: token } = await answer.json();
  await fetch(...Reminders.subscriptionRequest(subscription, token));
}

async function applicationServerKey(oldSubscription) {
  const known = oldSubscription && oldSubscription.options && oldSubscription.options.applicationServerKey;
  if (known) return known;
  const answer = await fetch("/api/push/public-key");
  return Reminders.keyBytes((await answer.json()).public_key);
}

// Firefox (not Chrome) tells the worker when the push service replaced the subscription. The old
// endpoint is left to the server: its next send gets 410 and forgets it.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      const subscription =
        event.newSubscription ||
        (await self.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: await applicationServerKey(event.oldSubscription),
        }));
      await postSubscription(subscription);
    })().catch(() => null),
  );
});
