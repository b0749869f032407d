import { strings } from "./offline-queue.js";

// The phone's time zone: noted for /today's offer to switch, and offered on /account.
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
  const zone = browserTimeZone();
  for (const hook of root.querySelectorAll("[data-timezone-fill]")) {
    const input = root.getElementById(hook.dataset.target);
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

function readCookie(name) {
  const pair = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return pair ? pair.slice(name.length + 1) : "";
}

// Zone names are letters, digits, "/", "_", "+" and "-": nothing a cookie value must escape.
const ZONE_NAME = /^[A-Za-z0-9/_+-]{1,64}$/;

export function init(root) {
  const phone = browserTimeZone();
  if (ZONE_NAME.test(phone) && readCookie("phone_zone") !== phone) setCookie("phone_zone", phone);
  const form = root.querySelector("[data-zone-offer]");
  const dismiss = form && form.querySelector("[data-zone-dismiss]");
  if (!dismiss) return;
  dismiss.addEventListener("click", () => {
    setCookie("zone_offer_kept", form.dataset.phoneZone);
    form.hidden = true;
  });
}
