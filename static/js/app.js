// The one module entry: each feature module binds to its data-* hooks on the page.
// Modules a page rarely needs load only when it has their hooks, so a first visit to /today
// stays within its request budget.
import { fillTimeZones, init as initToday } from "./today.js";
import { init as initOfflineQueue } from "./offline-queue.js";
import { init as initInstall } from "./install.js";

fillTimeZones(document);
initToday(document);
initOfflineQueue(document);
initInstall(document);

if (document.querySelector("[data-share]")) {
  import("./support.js").then((module) => module.init(document));
}
if (document.querySelector("[data-breathe]")) {
  import("./breathe.js").then((module) => module.init(document));
}
// Affirmations in the user's own voice: the recorder on /morning/affirmations, playback elsewhere.
if (document.querySelector("[data-recordings]")) {
  import("./recorder.js").then((module) => module.init(document));
}
if (document.querySelector("[data-voice]")) {
  import("./voice.js").then((module) => module.init(document));
}
// Push: the reminders page, sign-out (forgets this device), and once notifications are allowed,
// every start (Chrome never fires pushsubscriptionchange, so the app re-sends its subscription).
const notificationsAllowed = "Notification" in self && Notification.permission === "granted";
if (notificationsAllowed || document.querySelector("[data-push], [data-logout]")) {
  import("./push.js").then((module) => module.init(document));
}
