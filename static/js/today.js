// /today: offer to switch the account to the phone's time zone when they differ.
// The phone's zone: filled into the register form, and compared with the account's here.
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
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

export function init(root) {
  const form = root.querySelector("[data-zone-offer]");
  if (!form) return;
  const phone = browserTimeZone();
  if (!phone || phone === form.dataset.accountZone || phone === dismissedZone()) return;
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
