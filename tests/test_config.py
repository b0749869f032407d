"""Configuration: the embedded default just works; a shared deployment needs its keys."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from webapp import config, create_app
from webapp.config import ConfigError, normalise_database_url, write_once

PG = "postgresql://rebound@db.internal/rebound"
KEYS = {
    "SECRET_KEY": "s" * 40,
    "VAPID_PUBLIC_KEY": "BPublic",
    "VAPID_PRIVATE_KEY": "private",
    "VAPID_SUBJECT": "mailto:ops@rebound.example",
}


def test_the_embedded_default_uses_sqlite_and_generates_its_keys_once(tmp_path):
    first = config.load(str(tmp_path), {})
    second = config.load(str(tmp_path), {})
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'rebound.sqlite3'}"
    assert len(first["SECRET_KEY"]) >= 40
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["VAPID_PUBLIC_KEY"] == second["VAPID_PUBLIC_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0, "the key file is private"
    other = config.load(str(tmp_path / "elsewhere"), {})
    assert other["SECRET_KEY"] != first["SECRET_KEY"], "never a hard-coded key"


def test_processes_starting_together_agree_on_one_key(tmp_path):
    results = []
    barrier = threading.Barrier(8)

    def start():
        barrier.wait()
        results.append(write_once(tmp_path / "secret_key", lambda: threading.current_thread().name))

    threads = [threading.Thread(target=start, name=f"t{i}") for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"], "no temp files left behind"


@pytest.mark.parametrize("missing", list(KEYS))
def test_on_postgresql_the_app_refuses_to_start_without_each_key_and_names_it(tmp_path, missing):
    env = {"DATABASE_URL": PG, **KEYS}
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        config.load(str(tmp_path), env)
    assert not (tmp_path / "secret_key").exists()


def test_create_app_refuses_to_start_on_postgresql_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", PG)
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(instance_path=str(tmp_path))


def test_a_placeholder_vapid_subject_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="VAPID_SUBJECT"):
        config.load(str(tmp_path), {"DATABASE_URL": PG, **KEYS, "VAPID_SUBJECT": "admin"})


def test_with_all_keys_a_postgresql_deployment_starts(tmp_path):
    loaded = config.load(str(tmp_path), {"DATABASE_URL": PG, **KEYS, "TRUSTED_PROXY_COUNT": "1"})
    assert loaded["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://rebound@db.internal/rebound"
    assert loaded["SECRET_KEY"] == KEYS["SECRET_KEY"]
    assert loaded["TRUSTED_PROXY_COUNT"] == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_psycopg_3(url, expected):
    assert normalise_database_url(url) == expected


def test_push_hosts_default_and_override(tmp_path):
    assert "fcm.googleapis.com" in config.load(str(tmp_path), {})["PUSH_ALLOWED_HOSTS"]
    custom = config.load(str(tmp_path), {"PUSH_ALLOWED_HOSTS": "http://127.0.0.1:8765, *.push.example"})
    assert custom["PUSH_ALLOWED_HOSTS"] == ("http://127.0.0.1:8765", "*.push.example")


def test_the_shared_page_cache_is_off_unless_a_redis_url_is_given(tmp_path):
    assert config.load(str(tmp_path), {})["PAGECACHE_URL"] is None
    assert "pagecache_shared" not in create_app({}, instance_path=str(tmp_path)).extensions
    given = config.load(str(tmp_path), {"PAGECACHE_URL": " redis://cache:6379/2 "})
    assert given["PAGECACHE_URL"] == "redis://cache:6379/2"
    with pytest.raises(ConfigError, match="PAGECACHE_URL"):
        config.load(str(tmp_path), {"PAGECACHE_URL": "memcached://cache:11211"})


@pytest.mark.parametrize("value", ["one", "-1"])
def test_a_bad_proxy_count_is_a_clear_error(tmp_path, value):
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_COUNT"):
        config.load(str(tmp_path), {"TRUSTED_PROXY_COUNT": value})


def test_vapid_generate_prints_a_usable_key_pair(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["vapid", "generate"])
    lines = dict(line.split("=", 1) for line in result.output.split())
    assert set(lines) == {"VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"}
    assert len(lines["VAPID_PUBLIC_KEY"]) == 87  # 65-byte uncompressed P-256 point, base64url


def test_vapid_generate_works_where_the_app_refuses_to_start_for_want_of_those_keys(tmp_path):
    # The operator's real command, on a deployment that has no keys yet.
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "FLASK_APP": "webapp"}
    for name in ("SECRET_KEY", "VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"):
        env.pop(name, None)
    flask = [sys.executable, "-m", "flask"]
    made = subprocess.run(
        [*flask, "vapid", "generate"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert {line.split("=", 1)[0] for line in made.stdout.split()} == {
        "VAPID_PRIVATE_KEY",
        "VAPID_PUBLIC_KEY",
    }
    refused = subprocess.run([*flask, "routes"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "Missing: SECRET_KEY" in refused.stderr
