"""The refresh token in a real OS keyring: gnome-keyring's Secret Service on a private D-Bus session
(``dbus-run-session``), as on a Linux desktop. Each step runs in a process of its own, so "remembered"
means remembered by the keyring, not by a Python object."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PASSWORDS, USERNAMES

TOOLS = ("dbus-run-session", "gnome-keyring-daemon")
PROC = Path(__file__).with_name("keyring_proc.py")


def require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    why = f"{', '.join(missing)} not installed (apt-get install gnome-keyring dbus-daemon)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test the real keyring: {why}")
    pytest.skip(why)


def run_steps(home: Path, steps: list[list[str]]) -> list[dict[str, object]]:
    """All steps in one D-Bus session with an unlocked keyring, each step a new Python process."""
    commands = " && ".join(shlex.join([sys.executable, str(PROC), *step]) for step in steps)
    unlock = "echo -n test-keyring-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
    script = f"{unlock} && {commands}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "PYTHON_KEYRING_BACKEND")
    }
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_RUNTIME_DIR=str(runtime))
    env.update(XDG_CONFIG_HOME=str(home / "config"))  # no keyringrc.cfg choosing a backend for us
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_the_refresh_token_is_kept_by_the_secret_service_and_sign_out_clears_it(seeded, tmp_path):
    require_tools()
    user, password = USERNAMES["staff"], PASSWORDS["staff"]
    login, resume, sign_out, after = run_steps(
        tmp_path,
        [
            ["login", seeded.url, user, password],
            ["resume", seeded.url, user],  # a new process: only the keyring remembers
            ["sign-out", seeded.url, user],
            ["stored", seeded.url, user],
        ],
    )
    for step in (login, resume, sign_out, after):
        assert step["backend"] == "keyring.backends.SecretService", step  # never a plain file
        assert step["remembers"] is True
        assert step["notices"] == []
    assert login["stored"] is True
    assert (resume["resumed"], resume["me"], resume["stored"]) == (True, user, True)
    assert (sign_out["resumed"], sign_out["revoked"], sign_out["stored"]) == (True, True, False)
    assert after["stored"] is False
