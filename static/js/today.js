import { strings } from "./offline-queue.js";

// The phone's time zone: noted for /today's offer to switch, and offered on /account. Every page
// asks (for the phone_zone cookie), so it must be cheap: Temporal.Now.timeZoneId() reads the zone
// alone, where a first Intl.DateTimeFormat builds a whole date formatter for the locale (30-60 ms
// on this project's machine, four times that under Lighthouse's CPU slowdown: it was the longest
// task on every page). Intl where there is no Temporal yet.
let phoneZone = null;

export function browserTimeZone() {
  if (phoneZone === null) {
    phoneZone = "";
    try {
      phoneZone = globalThis.Temporal?.Now?.timeZoneId?.() || Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch {
      // neither says: no zone to offer
    }
  }
  return phoneZone;
}

// /account: this phone's zone first in the searchable list, and one tap to use it.
export function offerPhoneZone(root) {
  const list = root.querySelector("[data-zone-list]");
  const zone = list ? browserTimeZone() : "";
  if (!zone) return;
  const first = document.createElement("option");
  first.value = zone;
  first.label = strings("zone").thisPhone || "This phone's zone";
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
  for (const hook of root.querySelectorAll("[data-timezone-fill]")) {
    const input = root.getElementById(hook.dataset.target);
    const zone = browserTimeZone();
    if (input && zone && (!input.value || input.value === "UTC")) input.value = zone;
  }
}


// The phone's zone travels to the server in a small cookie, so the next /today can include the
// offer to switch in its first paint (the server decides whether a switch would change anything).
const YEAR_SECONDS = 365 * 24 * 3600;

function setCookie(name, value) {
  const secure = location.protocol === "https:" ? "; secure" : "";
  document.cookie = `${name}=${value}; path=/; max-age=${YEAR_SECONDS}; samesite=lax${secure}`;
}

// Zone names are letters, digits, "/", "_", "+" and "-": nothing a cookie value must escape.
const ZONE_NAME = /^[A-Za-z0-9/_+-]{1,64}$/;

export function init(root) {
  const phone = browserTimeZone();
  // The page says which zone the server last heard (base.html, from the cookie itself), so the
  // cookie is written only when the phone has moved, and never read: document.cookie is a
  // synchronous call to the browser process, which a busy phone makes wait while the page loads.
  const heard = root.querySelector('meta[name="phone-zone"]')?.content ?? "";
  if (ZONE_NAME.test(phone) && heard !== phone) setCookie("phone_zone", phone);
  const form = root.querySelector("[data-zone-offer]");
  const dismiss = form && form.querySelector("[data-zone-dismiss]");
  if (!dismiss) return;
  dismiss.addEventListener("click", () => {
    setCookie("zone_offer_kept", form.dataset.phoneZone);
    form.hidden = true;
  });
}
