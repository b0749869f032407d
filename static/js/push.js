// Reminders on this device. On /reminders ([data-push]): "Turn on reminders on this phone" asks for
// notification permission only after that tap, subscribes with a time limit and tells the server;
// the device list marks this device. On every page: the current subscription is sent again once per
// app start (Chrome never fires pushsubscriptionchange), and dropped from the account on sign-out.
import "./notification-logic.js"; // a classic script: it defines self.ReboundNotifications
import { strings } from "./offline-queue.js";

const { keyBytes, subscriptionRequest } = self.ReboundNotifications;

const SUBSCRIBE_TIMEOUT_MS = 15000;
const SENT_KEY = "rebound.push.sent"; // "<user id> <endpoint>" sent in this browser session
const NOTICE_KEY = "rebound.push.notice"; // a message to show after the page reloads

// asking, working, notAllowed, timeout, pushService, offline, signedOut, refused, on, removed:
// the page's words for each (webapp/i18n/js.py, "push").
const MESSAGES = strings("push");

class Problem extends Error {}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

function userId() {
  return document.querySelector('meta[name="user-id"]')?.content ?? "";
}

function canPush() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function isIos() {
  const ua = navigator.userAgent;
  // iPadOS Safari says "Macintosh"; a touch screen gives it away.
  return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

function isStandalone() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function session(action) {
  try {
    return action(window.sessionStorage);
  } catch {
    return null; // storage blocked: send again next time, show no notice
  }
}

function withTimeout(promise, ms, problem) {
  let timer;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Problem(problem)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function currentSubscription() {
  if (!canPush()) return null;
  const registration = await navigator.serviceWorker.getRegistration("/");
  return registration ? registration.pushManager.getSubscription() : null;
}

function postSubscription(subscription, options) {
  return fetch(...subscriptionRequest(subscription, csrfToken(), options));
}

function sameKey(a, b) {
  if (!a || !b) return false;
  const left = new Uint8Array(a);
  return left.length === b.length && left.every((byte, i) => byte === b[i]);
}

// --- once per start: keep the server's copy of this device current ---------------------------

// Resolves to "removed" when the user removed this device from another one: the browser drops its
// subscription too, so this device shows "Turn on reminders" instead of claiming they are on.
async function resendSubscription() {
  const user = userId();
  if (!user || !canPush() || Notification.permission !== "granted") return "none";
  const subscription = await currentSubscription();
  if (!subscription) return "none";
  const sent = `${user} ${subscription.endpoint}`;
  if (session((s) => s.getItem(SENT_KEY)) === sent) return "sent";
  const response = await postSubscription(subscription, { refresh: true });
  if (response.status === 410) {
    await subscription.unsubscribe().catch(() => false);
    return "removed";
  }
  if (response.ok) session((s) => s.setItem(SENT_KEY, sent));
  return "sent";
}

// Signing out: this device stops getting this person's reminders. The browser keeps its
// subscription, so whoever signs in next on it gets theirs (the server moves the endpoint).
function forgetOnSignOut(root) {
  const form = root.querySelector("[data-logout]");
  if (!form || !canPush()) return;
  let endpoint = null;
  currentSubscription()
    .then((subscription) => (endpoint = subscription && subscription.endpoint))
    .catch(() => null);
  form.addEventListener("submit", () => {
    session((s) => s.removeItem(SENT_KEY));
    if (!endpoint) return;
    // keepalive: the request outlives this page, which is about to be replaced.
    fetch("/api/push/subscriptions", {
      method: "DELETE",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ endpoint }),
    }).catch(() => null);
  });
}

// --- /reminders -------------------------------------------------------------------------------

function show(panel, name) {
  const notes = "[data-push-ios], [data-push-unsupported], [data-push-blocked], [data-push-on]";
  for (const note of panel.querySelectorAll(notes)) note.hidden = true;
  panel.querySelector("[data-push-enable]").hidden = name !== "enable";
  const note = panel.querySelector(`[data-push-${name}]`);
  if (note) note.hidden = false;
}

function say(panel, message) {
  panel.querySelector("[data-push-status]").textContent = message;
}

function markThisDevice(panel, endpoint) {
  for (const item of panel.querySelectorAll("[data-device-endpoint]")) {
    const mine = Boolean(endpoint) && item.dataset.deviceEndpoint === endpoint;
    const badge = item.querySelector("[data-this-device]");
    if (badge) badge.hidden = !mine;
    const form = item.querySelector("[data-device-remove]");
    if (form) form.dataset.removesThisDevice = mine ? "true" : "false";
  }
}

async function subscribe() {
  const registration = await navigator.serviceWorker.ready;
  let answer;
  try {
    answer = await fetch("/api/push/public-key", { credentials: "same-origin" });
  } catch {
    throw new Problem(MESSAGES.offline);
  }
  const key = keyBytes((await answer.json()).public_key);
  const existing = await registration.pushManager.getSubscription();
  if (existing) {
    if (sameKey(existing.options.applicationServerKey, key)) return existing;
    await existing.unsubscribe(); // made for another server key: it can't carry our reminders
  }
  try {
    return await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (error) {
    if (error && error.name === "NotAllowedError") throw new Problem(MESSAGES.notAllowed);
    throw new Problem(MESSAGES.pushService);
  }
}

async function turnOn(panel, button) {
  button.disabled = true;
  say(panel, MESSAGES.asking);
  // First thing after the tap: Safari only asks while the tap is fresh.
  let permission;
  try {
    permission = await Notification.requestPermission();
  } catch {
    permission = Notification.permission;
  }
  try {
    if (permission === "denied") {
      show(panel, "blocked"); // says where to allow them; the button would only be refused again
      say(panel, "");
      return;
    }
    if (permission !== "granted") throw new Problem(MESSAGES.notAllowed);
    say(panel, MESSAGES.working);
    const subscription = await withTimeout(subscribe(), SUBSCRIBE_TIMEOUT_MS, MESSAGES.timeout);
    let response;
    try {
      response = await postSubscription(subscription);
    } catch {
      throw new Problem(MESSAGES.offline);
    }
    if (response.status === 401) throw new Problem(MESSAGES.signedOut);
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Problem(body.message || MESSAGES.refused);
    }
    session((s) => s.setItem(SENT_KEY, `${userId()} ${subscription.endpoint}`));
    session((s) => s.setItem(NOTICE_KEY, MESSAGES.on));
    window.location.reload(); // the device list now has this phone in it
  } catch (error) {
    say(panel, error instanceof Problem ? error.message : MESSAGES.pushService);
    button.disabled = false;
  }
}

// Removing this very device: unsubscribe the browser too, or its next start would add it back.
function watchRemoveForms(panel) {
  for (const form of panel.querySelectorAll("[data-device-remove]")) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.removesThisDevice !== "true") return;
      event.preventDefault();
      const subscription = await currentSubscription().catch(() => null);
      if (subscription) await subscription.unsubscribe().catch(() => false);
      session((s) => s.removeItem(SENT_KEY));
      form.submit();
    });
  }
}

async function setUpPanel(panel, resent) {
  panel.querySelector("[data-push-nojs]").hidden = true;
  const notice = session((s) => s.getItem(NOTICE_KEY));
  if (notice) {
    session((s) => s.removeItem(NOTICE_KEY));
    say(panel, notice);
  }
  watchRemoveForms(panel);
  if (isIos() && !isStandalone()) return show(panel, "ios");
  if (!canPush()) return show(panel, "unsupported");
  if (Notification.permission === "denied") return show(panel, "blocked");
  const button = panel.querySelector("[data-push-enable]");
  button.addEventListener("click", () => turnOn(panel, button));
  const subscription = await currentSubscription().catch(() => null);
  markThisDevice(panel, subscription && subscription.endpoint);
  show(panel, subscription && Notification.permission === "granted" ? "on" : "enable");
  // The re-send may find this device removed (and drop the browser's subscription) a little later.
  if ((await resent) === "removed") {
    markThisDevice(panel, null);
    show(panel, "enable");
    say(panel, MESSAGES.removed);
  }
}

export function init(root) {
  forgetOnSignOut(root);
  const resent = resendSubscription().catch(() => "later"); // the next start tries again
  const panel = root.querySelector("[data-push]");
  if (panel) setUpPanel(panel, resent);
}
