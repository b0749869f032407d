// The offline queue: what a phone saved without a signal, kept in IndexedDB until the server has
// it. A plain script (no import/export) so the classic service worker can importScripts it; pages
// load it through offline-queue.js. Each item belongs to the user who made it and is only ever
// sent in that user's session.
//
// An item counts as sent only on a 2xx JSON answer that echoes its id. A 403 csrf_failed fetches
// a fresh token from /api/csrf and tries once more; a 401 (or someone else's session) keeps it
// for its owner; another 4xx marks it "failed" with the server's message, kept for the user to
// read and discard; no network, a timeout, a 5xx or someone else's answer (a captive portal)
// keep it pending.
(() => {
  const DB_NAME = "rebound";
  const STORE = "outbox";
  const SYNC_TAG = "rebound-outbox";
  const TIMEOUT_MS = 8000;
  const URLS = { completion: "/api/completions", setback: "/api/setbacks" };
  // Tells every page that the queue changed (here or in the service worker): {userId, synced: [ids]}.
  const channel = "BroadcastChannel" in self ? new BroadcastChannel(STORE) : null;

  let database = null;

  function open() {
    database ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
      request.onsuccess = () => {
        // A newer version of the app opening the database (in another tab) must not be blocked.
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

  // One transaction on the store; resolves with the request's result once it has committed.
  async function run(mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
  }

  const put = (entry) => run("readwrite", (store) => store.put(entry));
  const remove = (id) => run("readwrite", (store) => store.delete(id));
  const announce = (userId, synced = []) => channel?.postMessage({ userId, synced });
  // One sender at a time across pages and the service worker, so no item is posted twice at once.
  const exclusive = (work) => (self.navigator?.locks ? self.navigator.locks.request(STORE, work) : work());

  // The items of one user (of every user when userId is null), oldest first.
  async function list(userId = null) {
    const items = await run("readonly", (store) => store.getAll());
    return items
      .filter((entry) => userId === null || entry.userId === String(userId))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  // A new item: `body` is the API's JSON body exactly, its `id` the client id.
  function item(kind, body, userId) {
    const createdAt = new Date().toISOString();
    return { id: body.id, userId: String(userId), kind, url: URLS[kind], body, createdAt, status: "pending", error: "" };
  }

  async function call(url, options = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        ...options,
        signal: controller.signal,
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    } finally {
      clearTimeout(timer);
    }
  }

  // Whose session this browser holds, with a CSRF token for it; null when nobody is signed in.
  async function session() {
    const { status, body } = await call("/api/csrf");
    if (status === 401) return null;
    if (status !== 200 || !body?.csrf_token) throw new Error(`/api/csrf answered ${status}`);
    return { userId: String(body.user_id), token: body.csrf_token };
  }

  // Send one item as `owner` ({userId, token}); resolves with {outcome: "sent" | "later" |
  // "signin" | "failed", error}.
  async function deliver(entry, owner) {
    const post = () =>
      call(entry.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": owner.token || "" },
        body: JSON.stringify(entry.body),
      });
    let answer;
    try {
      answer = await post();
      if (answer.status === 403 && answer.body?.error === "csrf_failed") {
        const fresh = await session();
        if (!fresh || fresh.userId !== entry.userId) return { outcome: "signin" };
        owner.token = fresh.token;
        answer = await post();
      }
    } catch {
      return { outcome: "later" }; // no network, or no answer in time
    }
    const { status, body } = answer;
    if (status >= 200 && status < 300 && body?.id === entry.id) {
      await remove(entry.id).catch(() => {}); // still there? A replay gets the same answer
      return { outcome: "sent", body };
    }
    if (status === 401) return { outcome: "signin" };
    if (status >= 400 && status < 500 && ![403, 408, 429].includes(status)) {
      const error = body?.message || `The server answered ${status}.`;
      await put({ ...entry, status: "failed", error }).catch(() => {});
      return { outcome: "failed", status, error };
    }
    return { outcome: "later" };
  }

  // Keep a new item first, then try to send it at once with the page's token. Where IndexedDB
  // fails (some private windows) it is only sent, and outcome "unkept" says that didn't work.
  async function save(entry, token) {
    const kept = await put(entry).then(() => true, () => false);
    const result = await exclusive(() => deliver(entry, { userId: entry.userId, token }));
    if (result.outcome === "sent") return result;
    if (!kept && result.outcome !== "failed") return { outcome: "unkept" };
    announce(entry.userId);
    return result;
  }

  // Send the pending items of `userId` (of the session's user when null), oldest first. Resolves
  // with {userId, sent: [ids], outcome: "done" | "later" | "signin"}.
  function replay(userId = null) {
    return exclusive(async () => {
      const result = { userId: userId === null ? null : String(userId), sent: [], outcome: "done" };
      const pending = (await list(userId)).filter((entry) => entry.status === "pending");
      if (!pending.length) return result;
      let owner;
      try {
        owner = await session();
      } catch {
        return { ...result, outcome: "later" };
      }
      if (!owner || (result.userId !== null && owner.userId !== result.userId)) {
        return { ...result, outcome: "signin" };
      }
      result.userId = owner.userId;
      let changed = false;
      for (const entry of pending.filter((each) => each.userId === owner.userId)) {
        const { outcome } = await deliver(entry, owner);
        if (outcome === "sent") result.sent.push(entry.id);
        changed ||= outcome === "sent" || outcome === "failed";
        if (outcome === "later" || outcome === "signin") {
          result.outcome = outcome;
          break;
        }
      }
      if (changed) announce(result.userId, result.sent);
      return result;
    });
  }

  async function discard(entry) {
    await remove(entry.id);
    announce(entry.userId);
  }

  // Call `listener({userId, synced})` whenever any page or the service worker changes the queue.
  function onChange(listener) {
    if (channel) new BroadcastChannel(STORE).addEventListener("message", (event) => listener(event.data));
  }

  self.ReboundOutbox = { SYNC_TAG, item, save, replay, list, discard, onChange };
})();
