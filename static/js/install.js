// Installing Rebound: the service worker (offline use), an Install button where the browser offers
// one ([data-install]), and a one-time "Share → Add to Home Screen" hint on iOS ([data-install-hint]).
const IOS_HINT_KEY = "rebound.iosInstallHintShown";

function registerServiceWorker(root) {
  if (!("serviceWorker" in navigator)) return;
  // Rebound works without it (only not offline), so a refusal is not an error worth showing.
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  if (root.querySelector('meta[name="user-id"]')) {
    // Keep today and the breathing timer for offline use before they are opened (once per sign-in).
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.active) registration.active.postMessage({ type: "warm-pages" });
    });
  }
  // A page whose navigation began while the worker was still installing (the first page after
  // signing up, say) is not among those it claimed: ask it to take this one too, so the page works
  // offline now rather than from the next one on.
  navigator.serviceWorker.ready.then((registration) => {
    if (!navigator.serviceWorker.controller && registration.active) {
      registration.active.postMessage({ type: "claim" });
    }
    // The offline page, in this page's language (the worker keeps one copy per language it hears).
    registration.active?.postMessage({ type: "language", lang: document.documentElement.lang });
  });
}

function isStandalone() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function isIos() {
  const ua = navigator.userAgent;
  // iPadOS Safari says "Macintosh"; a touch screen gives it away.
  return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

function hintSeen() {
  try {
    return localStorage.getItem(IOS_HINT_KEY) === "1";
  } catch {
    return true; // storage blocked: better no hint than one on every page
  }
}

function rememberHint() {
  try {
    localStorage.setItem(IOS_HINT_KEY, "1");
  } catch {
    // nothing to keep
  }
}

function offerInstall(root) {
  const button = root.querySelector("[data-install]");
  if (!button) return;
  let offer = null;
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault(); // our own button, where it fits, instead of the browser's bar
    offer = event;
    button.hidden = false;
  });
  button.addEventListener("click", async () => {
    if (!offer) return;
    button.hidden = true;
    offer.prompt();
    await offer.userChoice.catch(() => null);
    offer = null;
  });
  window.addEventListener("appinstalled", () => {
    offer = null;
    button.hidden = true;
  });
}

function offerIosHint(root) {
  const hint = root.querySelector("[data-install-hint]");
  if (!hint || !isIos() || isStandalone() || hintSeen()) return;
  rememberHint(); // shown once: it is a tip, not a nag
  hint.hidden = false;
  const dismiss = hint.querySelector("[data-install-hint-dismiss]");
  if (dismiss) dismiss.addEventListener("click", () => (hint.hidden = true));
}

// After the page's own load, in a task of its own: the worker's install fetches and keeps every
// file of the app, which should not compete with the page the person is waiting for.
function afterLoad(work) {
  const later = () => setTimeout(work);
  if (document.readyState === "complete") later();
  else window.addEventListener("load", later, { once: true });
}

export function init(root) {
  afterLoad(() => registerServiceWorker(root));
  if (isStandalone()) return; // already installed
  offerInstall(root);
  offerIosHint(root);
}
