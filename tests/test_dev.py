"""dev.py chooses its port the way a newcomer expects (macOS often has 5000 taken)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("dev", Path(__file__).resolve().parents[1] / "dev.py")
dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dev)


@pytest.mark.parametrize(
    ("args", "env", "port"),
    [
        ([], {}, 5000),
        (["--port", "5050"], {}, 5050),
        (["--port=8000"], {"PORT": "9000"}, 8000),
        ([], {"PORT": "9000", "FLASK_RUN_PORT": "9100"}, 9000),
        ([], {"FLASK_RUN_PORT": "9100"}, 9100),
        (["--demo", "--port", "5001"], {}, 5001),
    ],
)
def test_the_port_comes_from_the_flag_then_port_then_flask_run_port(args, env, port):
    assert dev.choose_port(args, env) == port


@pytest.mark.parametrize("bad", ["http", "0", "70000"])
def test_a_port_that_is_not_a_port_stops_with_a_message(bad):
    with pytest.raises(SystemExit, match="port must be a number"):
        dev.choose_port(["--port", bad], {})
