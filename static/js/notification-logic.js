// What a reminder looks like and what a tap on it does, as plain functions with no I/O.
// A classic script: the service worker loads it with importScripts, push.js imports it for its side
// effect, and the browser tests load it into a page; each then reads self.ReboundNotifications.
// The payload comes from webapp/reminders/messages.py:
//   {title, body, tag, url, routine, occurrence, snooze_token, actions: [{action, title}]}
(function (scope) {
  "use strict";

  const FALLBACK_URL = "/today";
  const FALLBACK_TITLE = "Rebound";
  const FALLBACK_BODY = "A minute for your practice.";
  // The app's pages, including those this worker doesn't control yet (a tab opened before it was).
  const CLIENT_QUERY = Object.freeze({ type: "window", includeUncontrolled: true });
  const MAX_ACTIONS = 2; // what Chrome and Edge show; the rest would be dropped anyway

  function text(value, fallback) {
    return typeof value === "string" && value.trim() ? value : fallback;
  }

  // The push message's text as a payload; anything that isn't our JSON still shows a reminder
  // (a push that shows nothing makes Chrome show its own "updated in the background" notice).
  function readPayload(raw) {
    let payload = null;
    try {
      payload = JSON.parse(raw);
    } catch {
      payload = null;
    }
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
      return { title: FALLBACK_TITLE, body: text(raw, FALLBACK_BODY) };
    }
    return { ...payload, title: text(payload.title, FALLBACK_TITLE), body: text(payload.body, "") };
  }

  // The options for registration.showNotification(payload.title, options). The tag (which names the
  // occurrence) makes a message that arrives twice replace itself instead of showing twice.
  function notificationOptions(payload, iconUrl) {
    const actions = (Array.isArray(payload.actions) ? payload.actions : [])
      .filter((a) => a && typeof a.action === "string" && typeof a.title === "string")
      .slice(0, MAX_ACTIONS)
      .map((a) => ({ action: a.action, title: a.title }));
    const options = {
      body: text(payload.body, ""),
      data: {
        url: typeof payload.url === "string" ? payload.url : FALLBACK_URL,
        snooze_token: typeof payload.snooze_token === "string" ? payload.snooze_token : null,
        routine: typeof payload.routine === "string" ? payload.routine : null,
      },
      actions,
      icon: iconUrl,
      badge: iconUrl,
    };
    if (typeof payload.tag === "string" && payload.tag) options.tag = payload.tag;
    return options;
  }

  // A page of this app to open: the payload's path when it is one of ours, else /today. A payload can
  // never send anyone to another site.
  function safeUrl(url, origin) {
    if (typeof url !== "string" || !url) return new URL(FALLBACK_URL, origin).href;
    let parsed;
    try {
      parsed = new URL(url, origin);
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.origin !== origin) return new URL(FALLBACK_URL, origin).href;
    return parsed.href;
  }

  function originOf(url) {
    try {
      return new URL(url).origin;
    } catch {
      return null;
    }
  }

  // What a tap does. `action` is "" for a tap on the notification itself, "start" or "later";
  // `pageUrls` are the URLs of the app's open pages (clients.matchAll(CLIENT_QUERY)), in order.
  //   {kind: "snooze", token}     "Later": POST the token to /api/reminders/snooze, open nothing
  //   {kind: "focus", index, url} bring pageUrls[index] forward and show url in it
  //   {kind: "open", url}         no page of the app is open: open one
  //   {kind: "none"}              "Later" on a reminder that can't be snoozed: just close it
  function clickPlan(action, data, pageUrls, origin) {
    const info = data && typeof data === "object" ? data : {};
    if (action === "later") {
      const token = info.snooze_token;
      return typeof token === "string" && token ? { kind: "snooze", token } : { kind: "none" };
    }
    const url = safeUrl(info.url, origin);
    const urls = Array.isArray(pageUrls) ? pageUrls : [];
    // The page already showing it, else any page of the app.
    let index = urls.findIndex((u) => u === url);
    if (index === -1) index = urls.findIndex((u) => originOf(u) === origin);
    return index === -1 ? { kind: "open", url } : { kind: "focus", index, url };
  }

  // The request "Later" makes: fetch(...snoozeRequest(token)). No session or CSRF token is needed:
  // the token is signed and single-use (POST /api/reminders/snooze).
  function snoozeRequest(token) {
    return [
      "/api/reminders/snooze",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token }),
      },
    ];
  }

  // The request that tells the server about this device's subscription, from a page or the
  // worker: fetch(...subscriptionRequest(subscription, csrfToken)). `refresh` marks the routine
  // re-send at each start, which must not bring back a device the user removed.
  function subscriptionRequest(subscription, csrfToken, { refresh = false } = {}) {
    const body = refresh ? { ...subscription.toJSON(), refresh: true } : subscription.toJSON();
    return [
      "/api/push/subscriptions",
      {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(body),
      },
    ];
  }

  // A VAPID public key (base64url, as GET /api/push/public-key gives it) as the bytes
  // pushManager.subscribe() wants for applicationServerKey.
  function keyBytes(base64url) {
    const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    const raw = atob(base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  scope.ReboundNotifications = Object.freeze({
    CLIENT_QUERY,
    FALLBACK_URL,
    readPayload,
    notificationOptions,
    safeUrl,
    clickPlan,
    snoozeRequest,
    subscriptionRequest,
    keyBytes,
  });
})(globalThis); // self in a page and in the service worker
