// /today: offer to switch the account to the phone's time zone when they differ.
// The phone's zone: filled into the register form, and compared with the account's here.
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

// /account: this phone's zone first in the searchable list, and one tap to use it.
export function offerPhoneZone(root) {
  const list = root.querySelector("[data-zone-list]");
  const zone = browserTimeZone();
  if (!list || !zone) return;
  const first = document.createElement("option");
  first.value = zone;
  first.label = "This phone's zone";
  list.prepend(first);
  const here = root.querySelector("[data-zone-here]");
  const input = root.querySelector(`input[list="${list.id}"]`);
  if (!here || !input || input.value === zone) return;
  here.querySelector("[data-zone-here-name]").textContent = zone;
  here.querySelector("[data-zone-use]").addEventListener("click", () => {
    input.value = zone;
    input.focus();
  });
  here.hidden = false;
}

export function fillTimeZones(root) {
  const zone = browserTimeZone();
  for (const hook of root.querySelectorAll("[data-timezone-fill]")) {
    const input = root.getElementById(hook.dataset.target);
    if (input && zone && (!input.value || input.value === "UTC")) input.value = zone;
  }
}


const DISMISSED_KEY = "rebound.zoneOfferDismissed";

function dismissedZone() {
  try {
    return localStorage.getItem(DISMISSED_KEY);
  } catch {
    return null; // storage blocked (private mode): just offer again next time
  }
}

function rememberDismissed(zone) {
  try {
    localStorage.setItem(DISMISSED_KEY, zone);
  } catch {
    // nothing to keep; the offer comes back on the next visit
  }
}

// Minutes east of UTC of `zone` at `moment`, read from Intl (no zone data of our own).
function offsetMinutes(zone, moment) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric",
  }).formatToParts(moment);
  const get = (type) => Number(parts.find((part) => part.type === type).value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return Math.round((local - Math.floor(moment.getTime() / 60000) * 60000) / 60000);
}

// Two zones with the same clock for the coming year (every day's noon, so DST switches are
// seen): switching would change no local day and no reminder time, so it is not offered.
export function sameClocks(zoneA, zoneB, from = new Date()) {
  try {
    for (let day = 0; day < 366; day += 1) {
      const moment = new Date(from.getTime() + day * 86400000);
      if (offsetMinutes(zoneA, moment) !== offsetMinutes(zoneB, moment)) return false;
    }
    return true;
  } catch {
    return false; // a zone Intl does not know: let the person decide
  }
}

export function init(root) {
  const form = root.querySelector("[data-zone-offer]");
  if (!form) return;
  const phone = browserTimeZone();
  if (!phone || phone === form.dataset.accountZone || phone === dismissedZone()) return;
  if (sameClocks(phone, form.dataset.accountZone)) return;
  const input = form.querySelector("[data-zone-input]");
  if (!input) return;
  input.value = phone;
  for (const name of form.querySelectorAll("[data-zone-name]")) name.textContent = phone;
  const dismiss = form.querySelector("[data-zone-dismiss]");
  if (dismiss) {
    dismiss.addEventListener("click", () => {
      rememberDismissed(phone);
      form.hidden = true;
    });
  }
  form.hidden = false;
}
