// The timing math of the breathing guide: pure functions of the elapsed time. No DOM, no clock.
// The caller measures elapsed = performance.now() - start, so a slow or throttled tab shows
// the right phase as soon as it paints again: nothing is counted tick by tick, nothing drifts.
//
// A pattern is { name, phases: [{ word, seconds, kind }] } where kind is "in", "hold" or "out".

export const MIN_COUNTED_SECONDS = 60;

export function phaseMs(phase) {
  return Math.round(phase.seconds * 1000);
}

export function cycleMs(pattern) {
  return pattern.phases.reduce((sum, phase) => sum + phaseMs(phase), 0);
}

// How full the guide is (0 empty .. 1 full) at the end of phase `index`, from `level` before it.
// A breath in followed by another ("Top up" in the physiological sigh) fills to 0.8 first.
function levelAfter(phases, index, level) {
  const kind = phases[index].kind;
  if (kind === "in") return phases[index + 1]?.kind === "in" ? 0.8 : 1;
  if (kind === "out") return 0;
  return level;
}

function ease(progress) {
  return (1 - Math.cos(Math.PI * progress)) / 2;
}

// Where the guide is `elapsedMs` after the start: the phase (index, word, kind), the whole
// seconds left in it (counting down to 1, never 0), the round (`cycle`, from 0), how far
// through the phase it is (0..1) and how full the guide is (`level`, 0..1, eased).
// Every round starts empty: each pattern ends on a breath out (and maybe a hold).
export function phaseAt(pattern, elapsedMs) {
  const phases = pattern.phases;
  const total = cycleMs(pattern);
  if (!(total > 0)) throw new RangeError("A pattern needs at least one phase longer than zero.");
  const t = Math.max(0, Number.isFinite(elapsedMs) ? elapsedMs : 0);
  const cycle = Math.floor(t / total);
  let within = t - cycle * total;
  let level = 0;
  for (let index = 0; index < phases.length; index += 1) {
    const length = phaseMs(phases[index]);
    const next = levelAfter(phases, index, level);
    if (within < length || index === phases.length - 1) {
      const progress = length ? Math.min(within / length, 1) : 1;
      return {
        index,
        word: phases[index].word,
        kind: phases[index].kind,
        secondsLeft: Math.max(1, Math.ceil((length - within) / 1000)),
        cycle,
        progress,
        level: level + (next - level) * ease(progress),
      };
    }
    within -= length;
    level = next;
  }
  throw new RangeError("unreachable");
}

// Whole seconds left in a session of `durationMs` (for the "2:41 left" line).
export function sessionSecondsLeft(durationMs, elapsedMs) {
  return Math.max(0, Math.ceil((durationMs - elapsedMs) / 1000));
}

// Whole seconds that count: the time breathed, never more than the session's length.
export function countedSeconds(durationMs, elapsedMs) {
  return Math.floor(Math.min(Math.max(elapsedMs, 0), durationMs) / 1000);
}

export function formatClock(totalSeconds) {
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = String(totalSeconds % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

// The guide's words when the page gives none (the page passes its own language's: breathe.js).
const ENGLISH = {
  breatheIn: "Breathe in",
  hold: "Hold",
  breatheOut: "Breathe out",
  custom: "Custom",
  bounds: (min, max) => `Breathing in and out take ${min} to ${max} seconds; a hold takes 0 to ${max}.`,
};

// A user's own rhythm, with the same bounds as the server (content.custom_pattern): breathing
// in and out take `min` to `max` seconds, a hold 0 to `max`; holds of 0 are left out.
export function customPattern({ inhale, holdIn, exhale, holdOut }, { min = 2, max = 12, words = ENGLISH } = {}) {
  const parts = [
    [words.breatheIn, "in", inhale, min],
    [words.hold, "hold", holdIn, 0],
    [words.breatheOut, "out", exhale, min],
    [words.hold, "hold", holdOut, 0],
  ];
  const phases = [];
  for (const [word, kind, raw, low] of parts) {
    const seconds = typeof raw === "number" ? raw : Number(String(raw ?? "").trim() || NaN);
    if (!Number.isFinite(seconds) || seconds < low || seconds > max) {
      throw new RangeError(words.bounds(min, max));
    }
    if (seconds > 0) phases.push({ word, seconds, kind });
  }
  return { name: words.custom, phases };
}
