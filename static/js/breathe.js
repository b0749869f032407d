// The breathing guide on /breathe and in step two of /reset, bound to [data-breathe].
// Without this script those pages explain the pattern and log a session with a plain form.
import {
  MIN_COUNTED_SECONDS,
  countedSeconds,
  customPattern,
  formatClock,
  phaseAt,
  sessionSecondsLeft,
} from "./breathing-clock.js";
import { formatNumber as number, send, strings } from "./offline-queue.js";

const words = strings("breathe");
// The words the custom rhythm is built with, in the page's language.
const PATTERN_WORDS = {
  breatheIn: words.breatheIn,
  hold: words.hold,
  breatheOut: words.breatheOut,
  custom: words.custom,
  bounds: (min, max) => words.say("bounds", { low: number(min), high: number(max) }),
};

const PREFS = { vibrate: "rebound.breathe.vibrate", tone: "rebound.breathe.tone" };
const TONES = { in: 440, hold: 370, out: 330 };

// The one place a finished session leaves the page: through the offline queue (offline-queue.js).
// Resolves with the server's answer; rejects with error.queued set when the session is kept on
// this phone to sync later, error.status when the server said no, neither when it can't be kept.
export function sendCompletion(payload) {
  return send("completion", payload);
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// A text the server already wrote (the page as it loads) is left alone: no layout for nothing.
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function readPref(name) {
  try {
    return localStorage.getItem(PREFS[name]) === "on";
  } catch {
    return false;
  }
}

function writePref(name, on) {
  try {
    localStorage.setItem(PREFS[name], on ? "on" : "off");
  } catch {
    // Private mode: the switch still works for this visit.
  }
}

class Guide {
  constructor(box) {
    this.box = box;
    this.patterns = JSON.parse(box.dataset.patterns || "{}");
    const hook = (name) => box.querySelector(`[data-breathe-${name}]`);
    this.el = {
      timer: hook("timer"),
      circle: hook("circle"),
      word: hook("word"),
      count: hook("count"),
      live: hook("live"),
      left: hook("left"),
      start: hook("start"),
      stop: hook("stop"),
      vibrate: hook("vibrate"),
      vibrateOption: hook("vibrate-option"),
      tone: hook("tone"),
      status: hook("status"),
      settings: hook("settings"),
      custom: hook("custom"),
      apply: hook("apply"),
      fallback: hook("fallback"),
      manual: hook("manual"),
      after: hook("after"),
      finish: hook("finish"),
      finishTitle: hook("finish-title"),
      finishActions: hook("finish-actions"),
      next: hook("next"),
      again: hook("again"),
      logPattern: hook("log-pattern"),
      logMinutes: hook("log-minutes"),
      logSeconds: hook("log-seconds"),
      logButton: hook("log-button"),
      done: document.querySelector("[data-breathe-done]"),
    };
    this.reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
    this.running = false;
    this.wakeLock = null;
    this.audio = null;

    const { el } = this;
    // The CSS already draws the page as it is with a script (`scripting: enabled`): the timer shown,
    // Apply and the manual form gone. These lines only matter where that media query is unknown.
    el.timer.hidden = false;
    if (el.apply) el.apply.hidden = true; // choices apply at once
    if (el.manual) el.manual.hidden = true; // the timer does what the button did
    // No vibration here: the option keeps its place, unseen, so nothing below it moves.
    if (!("vibrate" in navigator)) el.vibrateOption.classList.add("is-unavailable");
    // The switches as this phone left them, in a task of their own: the first localStorage read
    // waits on the browser process, which is busiest while the page loads.
    setTimeout(() => {
      el.vibrate.checked = readPref("vibrate");
      el.tone.checked = readPref("tone");
    });

    el.start.addEventListener("click", () => this.start());
    el.stop.addEventListener("click", () => this.stop());
    el.again?.addEventListener("click", () => this.leave(true));
    el.vibrate.addEventListener("change", () => writePref("vibrate", el.vibrate.checked));
    el.tone.addEventListener("change", () => {
      writePref("tone", el.tone.checked);
      if (el.tone.checked) this.wakeAudio();
    });
    if (el.settings) {
      el.settings.addEventListener("change", () => this.configure());
      el.settings.addEventListener("input", () => this.configure());
      el.settings.addEventListener("submit", (event) => event.preventDefault());
    }
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.running) {
        this.keepAwake();
        this.tick();
      }
    });
    this.configure();
  }

  // Read the chosen pattern and length; keep the notes and the no-JS log form in step.
  configure() {
    if (this.running) return;
    const { el } = this;
    const form = el.settings;
    this.patternId = form ? form.elements.pattern.value : this.box.dataset.pattern;
    const minutes = form ? Number(form.elements.minutes.value) || 1 : null;
    this.durationMs = (minutes ? minutes * 60 : Number(this.box.dataset.seconds) || 60) * 1000;
    this.problem = "";
    if (this.patternId === "custom" && form) {
      try {
        this.pattern = customPattern(
          {
            inhale: form.elements.inhale.value,
            holdIn: form.elements.hold_in.value,
            exhale: form.elements.exhale.value,
            holdOut: form.elements.hold_out.value,
          },
          { min: Number(el.custom.dataset.min), max: Number(el.custom.dataset.max), words: PATTERN_WORDS },
        );
      } catch (error) {
        this.pattern = null;
        this.problem = error.message;
      }
    } else {
      this.pattern = this.patterns[this.patternId] || this.patterns.box;
    }
    if (el.custom) {
      el.custom.hidden = this.patternId !== "custom";
      el.custom.classList.toggle("is-not-chosen", this.patternId !== "custom");
    }
    for (const note of this.box.querySelectorAll("[data-breathe-note]")) {
      note.hidden = note.dataset.breatheNote !== this.patternId;
    }
    if (el.logPattern) el.logPattern.value = this.patternId;
    if (el.logMinutes && minutes) el.logMinutes.value = String(minutes);
    if (el.logButton && minutes) {
      setText(el.logButton, words.plural("logMinutes", minutes));
    }
    this.say(this.problem);
    this.paintIdle();
  }

  start() {
    if (this.running) return;
    this.configure();
    if (!this.pattern) {
      this.el.custom?.querySelector("input")?.focus();
      return;
    }
    const { el } = this;
    this.running = true;
    this.lastPhase = null;
    this.startedAt = performance.now();
    el.start.hidden = true;
    el.stop.hidden = false;
    el.stop.focus();
    if (el.after) el.after.hidden = true;
    this.setSettingsDisabled(true);
    this.box.classList.add("is-running");
    this.immerse(true);
    this.say("");
    if (el.tone.checked) this.wakeAudio();
    this.keepAwake();
    // Painting only: the phase always comes from the clock, so a late frame just catches up.
    if (this.reducedMotion.matches) {
      this.repaint = window.setInterval(() => this.tick(), 250);
    } else {
      const frame = () => {
        if (!this.running) return;
        this.tick();
        this.frame = window.requestAnimationFrame(frame);
      };
      this.frame = window.requestAnimationFrame(frame);
    }
    // Frames stop in a hidden tab; this makes sure the session still ends on time.
    this.ending = window.setTimeout(() => this.tick(), this.durationMs + 50);
    this.tick();
  }

  tick() {
    if (!this.running) return;
    const elapsed = performance.now() - this.startedAt;
    if (elapsed >= this.durationMs) {
      this.finish(elapsed);
      return;
    }
    const phase = phaseAt(this.pattern, elapsed);
    const { el } = this;
    const key = `${phase.cycle}:${phase.index}`;
    if (key !== this.lastPhase) {
      this.lastPhase = key;
      el.word.textContent = phase.word;
      el.live.textContent = phase.word; // announced once per phase, not every second
      this.box.dataset.phase = phase.kind;
      this.cue(phase.kind);
    }
    const count = String(phase.secondsLeft);
    if (el.count.textContent !== count) el.count.textContent = count;
    const left = words.say("left", { time: formatClock(sessionSecondsLeft(this.durationMs, elapsed)) });
    if (el.left.textContent !== left) el.left.textContent = left;
    if (!this.reducedMotion.matches) el.circle.style.setProperty("--breath", phase.level.toFixed(3));
  }

  stop() {
    if (!this.running) return;
    const elapsed = performance.now() - this.startedAt;
    this.halt();
    const seconds = countedSeconds(this.durationMs, elapsed);
    if (seconds >= MIN_COUNTED_SECONDS) {
      this.showFinish();
      this.complete(seconds);
    } else {
      this.leave();
      this.el.live.textContent = words.stopped;
      this.say(words.stoppedSay);
    }
  }

  finish(elapsed) {
    this.halt();
    this.el.live.textContent = words.done;
    this.showFinish();
    this.complete(countedSeconds(this.durationMs, elapsed));
  }

  // The whole screen is the guide while it runs and while its finish panel shows.
  immerse(on) {
    document.body.classList.toggle("is-breathing", on);
    if (on) window.scrollTo(0, 0);
  }

  showFinish() {
    const { el } = this;
    this.box.classList.add("is-finished");
    if (el.finish) el.finish.hidden = false;
    if (el.finishActions) el.finishActions.hidden = false;
    el.finishTitle?.focus();
  }

  // Back from the session (stopped early, or "Breathe again") to the page and its choices.
  leave(again = false) {
    const { el } = this;
    this.box.classList.remove("is-finished");
    if (el.finish) el.finish.hidden = true;
    if (el.finishActions) el.finishActions.hidden = true;
    this.immerse(false);
    el.start.textContent = again ? words.start : words.startAgain;
    this.say("");
    this.paintIdle();
    el.start.focus();
  }

  halt() {
    const { el } = this;
    this.running = false;
    window.cancelAnimationFrame(this.frame);
    window.clearInterval(this.repaint);
    window.clearTimeout(this.ending);
    this.releaseWake();
    el.stop.hidden = true;
    el.start.hidden = false;
    el.start.textContent = words.startAgain;
    this.setSettingsDisabled(false);
    this.box.classList.remove("is-running");
    delete this.box.dataset.phase;
    el.circle.style.setProperty("--breath", "0");
    el.count.textContent = "";
  }

  paintIdle() {
    if (this.running) return;
    const { el } = this;
    setText(el.word, this.pattern ? words.ready : words.checkCounts);
    setText(el.count, "");
    const minutes = Math.round(this.durationMs / 60000);
    setText(el.left, words.plural("minutes", minutes));
    el.circle.style.setProperty("--breath", "0");
  }

  async complete(seconds) {
    if (seconds < MIN_COUNTED_SECONDS) return;
    const { el } = this;
    const payload = {
      id: newId(),
      routine: "breathe",
      completed_at: new Date().toISOString(),
      data: { pattern: this.patternId, seconds },
    };
    this.say(words.saving);
    try {
      await sendCompletion(payload);
    } catch (error) {
      if (error.queued) {
        this.say(error.message); // "Saved on this phone — will sync"
        if (el.after) el.after.hidden = false;
      } else if (error.status && error.status < 500) {
        this.leave();
        this.say(words.say("notCounted", { problem: error.message }));
      } else {
        this.say(words.viaForm);
        this.submitFallback(seconds);
      }
      return;
    }
    this.say(words.counted);
    if (el.done) el.done.hidden = false; // seen after "Breathe again"
    if (el.after) el.after.hidden = false;
  }

  submitFallback(seconds) {
    const { el } = this;
    if (!el.fallback) return;
    if (el.logPattern) el.logPattern.value = this.patternId;
    if (el.logSeconds) el.logSeconds.value = String(seconds);
    el.fallback.submit();
  }

  say(text) {
    if (this.el.status.textContent !== text) this.el.status.textContent = text;
  }

  setSettingsDisabled(disabled) {
    if (!this.el.settings) return;
    for (const control of this.el.settings.elements) control.disabled = disabled;
  }

  cue(kind) {
    if (this.el.vibrate.checked && "vibrate" in navigator) navigator.vibrate(kind === "hold" ? 30 : 60);
    if (this.el.tone.checked) this.beep(kind);
  }

  wakeAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    this.audio ??= new Context();
    this.audio.resume().catch(() => {});
  }

  beep(kind) {
    const context = this.audio;
    if (!context || context.state !== "running") return;
    const now = context.currentTime;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = TONES[kind] ?? TONES.in;
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.06, now + 0.08);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.7);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(now);
    oscillator.stop(now + 0.75);
  }

  async keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible" || this.wakeLock) return;
    try {
      const lock = await navigator.wakeLock.request("screen");
      if (!this.running) {
        lock.release().catch(() => {});
        return;
      }
      this.wakeLock = lock;
      lock.addEventListener("release", () => {
        if (this.wakeLock === lock) this.wakeLock = null;
      });
    } catch {
      // Low battery or a browser that says no: the timer still runs.
    }
  }

  releaseWake() {
    const lock = this.wakeLock;
    this.wakeLock = null;
    lock?.release().catch(() => {});
  }
}

export function init(root) {
  for (const box of root.querySelectorAll("[data-breathe]")) new Guide(box);
}
