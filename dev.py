#!/usr/bin/env python3
"""Rebound's two commands, for a fresh machine that has only Python 3.11+.

    python3 dev.py run     install everything, apply migrations, serve http://127.0.0.1:5000
                           (--port N, or PORT / FLASK_RUN_PORT, for another port; --demo as below)
    python3 dev.py demo    the same, with a demo account that has four months of history to look at
    python3 dev.py test    install everything (Chromium too, where it can) and run the whole suite
    python3 dev.py mutate [MODULE ...]
                           mutation testing of the pure rules and the completion writer (README)
    python3 dev.py i18n extract|update|init LANG|compile|merge FILE...|check
                           the translation workflow (README, "Languages")

Everything is installed into .venv inside the checkout, from the pinned lock files, so a new
upstream release cannot change what runs. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def install(lock: str) -> None:
    """Create .venv and install `lock` into it, skipping the work when nothing changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 — this script must explain itself on an old Python
        sys.exit("Rebound needs Python 3.11 or newer.")
    if not PYTHON.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    lock_path = ROOT / lock
    stamp = VENV / f".installed-{lock}"
    digest = hashlib.sha256(lock_path.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing {lock}")
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "-r", str(lock_path)], check=True)
    # The checkout itself, editable, for the Flask CLI plugin in pyproject.toml (`vapid`).
    subprocess.run([*pip, "install", "--no-deps", "-e", str(ROOT)], check=True)
    stamp.write_text(digest)


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium() -> str | None:
    """Debian's chromium for the browser tests: install it with apt when we can."""
    path = find_chromium()
    if path or not shutil.which("apt-get"):
        return path
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    sudo = [] if is_root else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        return None
    say("installing Debian's chromium for the browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)
    return find_chromium()


def flask(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", "webapp", *args]


DEFAULT_PORT = 5000


def choose_port(args: list[str], env: dict[str, str]) -> int:
    """--port N (or --port=N), else PORT, else FLASK_RUN_PORT, else 5000 (often taken on macOS)."""
    port = None
    for index, arg in enumerate(args):
        if arg == "--port" and index + 1 < len(args):
            port = args[index + 1]
        elif arg.startswith("--port="):
            port = arg.split("=", 1)[1]
    port = port or env.get("PORT") or env.get("FLASK_RUN_PORT") or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        sys.exit(f"dev.py: the port must be a number from 1 to 65535, not {port!r}")
    return int(port)


def compile_translations() -> None:
    """Build each language's .mo from its .po when the .po is newer (they are not committed)."""
    subprocess.run([str(PYTHON), "-m", "webapp.i18n.tool", "compile"], cwd=ROOT, check=True)


def run(args: list[str], demo: bool = False) -> None:
    port = choose_port(args, dict(os.environ))
    install("requirements.lock")
    compile_translations()
    subprocess.run(flask("db", "upgrade"), cwd=ROOT, check=True)
    if demo or "--demo" in args:
        # Prints the demo account's email and a new password to sign in with.
        subprocess.run(flask("demo", "create", "--replace"), cwd=ROOT, check=True)
    say(f"Rebound is at http://127.0.0.1:{port} (Ctrl+C to stop)")
    # Hand this terminal to the server, so Ctrl+C stops it directly.
    os.execv(str(BIN / "flask"), flask("run", "--host", "127.0.0.1", "--port", str(port)))  # noqa: S606


def test(pytest_args: list[str]) -> None:
    install("requirements-test.lock")
    compile_translations()
    env = dict(os.environ)
    chromium = ensure_chromium()
    if chromium:
        env.setdefault("CHROMIUM_PATH", chromium)
    env.setdefault("HYPOTHESIS_PROFILE", "ci")
    # Two workers: the machine (and CI) has two cores, and the browser and process tests wait on I/O.
    # loadgroup: the tests that start processes of their own share one worker (xdist_group).
    workers = [] if any(a.startswith("-n") for a in pytest_args) else ["-n", "2", "--dist", "loadgroup"]
    command = [str(PYTHON), "-m", "pytest", *workers, *pytest_args]
    sys.exit(subprocess.run(command, cwd=ROOT, env=env, check=False).returncode)


# What `mutate` breaks, one module at a time (each against the fast tests in pyproject.toml's
# [tool.mutmut]; mutmut runs only the tests that reach the function it changed).
MUTATED_MODULES = (
    "webapp.auth.core",
    "webapp.goals.core",
    "webapp.progress.core",
    "webapp.reminders.core",
    "webapp.routines.core",
    "webapp.streaks.core",
    "webapp.localday",
    "webapp.insights.core",
    "webapp.support.core",
    "webapp.recordings.core",
    "webapp.routines.completions",
)


def mutate(modules: list[str]) -> None:
    install("requirements-test.lock")
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    for module in modules or MUTATED_MODULES:
        if not (ROOT / (module.replace(".", "/") + ".py")).exists():
            continue
        say(f"mutating {module}")
        # Two children: the machine (and CI) has two cores.
        command = [str(BIN / "mutmut"), "run", "--max-children", "2", f"{module}.*"]
        subprocess.run(command, cwd=ROOT, env=env, check=False)
    command = [str(BIN / "mutmut"), "results", "--all", "true"]
    results = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    print(mutation_score(results, modules or MUTATED_MODULES))


def mutation_score(results: str, modules) -> str:
    """A table of mutmut's verdicts per module, from `mutmut results --all true`."""
    counts: dict[str, dict[str, int]] = {}
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        module = name.split(".x_")[0].split(".xǁ")[0]
        if module in modules and status != "not checked":
            counts.setdefault(module, {}).setdefault(status, 0)
            counts[module][status] += 1
    lines = ["", "module                          killed  survived  no tests  other  score"]
    total_killed = total = 0
    for module in sorted(counts):
        verdicts = counts[module]
        killed, survived, untested = (verdicts.get(k, 0) for k in ("killed", "survived", "no tests"))
        checked = sum(verdicts.values())
        total_killed, total = total_killed + killed, total + checked
        other = checked - killed - survived - untested
        lines.append(
            f"{module:<32}{killed:>6}{survived:>10}{untested:>10}{other:>7}  {100 * killed / checked:.1f}%"
        )
    if total:
        lines.append(f"mutation score: {total_killed}/{total} killed ({100 * total_killed / total:.1f}%)")
    return "\n".join(lines)


def i18n(args: list[str]) -> None:
    install("requirements.lock")
    sys.exit(subprocess.run([str(PYTHON), "-m", "webapp.i18n.tool", *args], cwd=ROOT, check=False).returncode)


def main(argv: list[str]) -> None:
    commands = {
        "i18n": lambda: i18n(argv[1:]),
        "run": lambda: run(argv[1:]),
        "demo": lambda: run(argv[1:], demo=True),
        "test": lambda: test(argv[1:]),
        "mutate": lambda: mutate(argv[1:]),
    }
    if not argv or argv[0] not in commands:
        sys.exit(__doc__)
    commands[argv[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
