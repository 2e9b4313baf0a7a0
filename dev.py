#!/usr/bin/env python3
"""FLLC Warehouse developer entry point — the README's two commands.

    python3 dev.py start   # set everything up, start the server with demo data and open the app
    python3 dev.py test    # set everything up and run the whole test suite

Everything is installed into ./.venv (created on first use); the server's data lives in
./var/server. Only the standard library is used here, so a fresh Python >= 3.11 is enough.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".fllc-installed"
DATA_DIR = ROOT / "var" / "server"
DEMO_ACCOUNTS_FILE = "demo-accounts.txt"  # kept beside the data it belongs to (FLLC_DATA_DIR)


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None, check: bool = True) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=check).returncode


def _requirements_fingerprint(extras: bool) -> str:
    digest = hashlib.sha256(b"dev" if extras else b"run")
    for path in (ROOT / "pyproject.toml", ROOT / "server" / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment(*, dev: bool) -> None:
    """Create .venv and install the server and the desktop app (editable) when anything changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 the machine has
        sys.exit("FLLC Warehouse needs Python 3.11 or newer")
    if not PYTHON.exists():
        say(f"creating the virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = _requirements_fingerprint(dev)
    if STAMP.exists() and STAMP.read_text() in (fingerprint, _requirements_fingerprint(True)):
        return
    say("installing the server and the desktop app into .venv (first run takes a few minutes)")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    extra = "[dev]" if dev else ""
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f"./server{extra}", "-e", f".{extra}")
    STAMP.write_text(fingerprint)


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("FLLC_DATA_DIR", str(DATA_DIR))
    env.setdefault("FLLC_LOG_JSON", "false")
    return env


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server stopped during start-up (exit {process.returncode}); see above")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    sys.exit(f"the server did not become ready at {url} within {timeout:.0f} s")


def demo_accounts(env: dict[str, str]) -> Path:
    return Path(env["FLLC_DATA_DIR"]) / DEMO_ACCOUNTS_FILE


def seed_demo(env: dict[str, str]) -> None:
    say("preparing the database and demo data (only on first start)")
    run(BIN / "fllc-server", "migrate", env=env)
    result = subprocess.run(
        [str(BIN / "fllc-server"), "seed-demo", "--if-empty"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )
    lines = result.stdout.splitlines()
    # Only a first start prints the accounts; later starts say "not loaded" and keep the first list.
    first = next((i for i, line in enumerate(lines) if line.startswith("Demo accounts")), None)
    if first is not None:
        accounts = demo_accounts(env)
        accounts.parent.mkdir(parents=True, exist_ok=True)
        accounts.write_text("\n".join(lines[first:]) + "\n")
    sys.stderr.write(result.stderr)


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def start(args: argparse.Namespace) -> int:
    ensure_environment(dev=False)
    env = server_env(args.port)
    seed_demo(env)
    url = f"http://127.0.0.1:{args.port}"
    say(f"starting the server at {url} (data in {env['FLLC_DATA_DIR']})")
    server = subprocess.Popen(
        [str(BIN / "fllc-server"), "serve", "--host", "127.0.0.1", "--port", str(args.port)],
        cwd=ROOT, env=env,
    )
    try:
        wait_ready(url, server)
        print(f"\n  Server:   {url}   (API docs: {url}/docs)")
        accounts = demo_accounts(env)
        if accounts.exists():
            print("".join(f"  {line}\n" for line in accounts.read_text().splitlines()))
        if args.no_desktop or not has_display():
            if not args.no_desktop:
                say("no display found: the desktop app is not opened (set DISPLAY, or run it elsewhere)")
            say("the server keeps running; press Ctrl-C to stop it")
            return server.wait()
        say("opening the desktop app")
        desktop_env = dict(os.environ, FLLC_SERVER_URL=url)
        desktop = [str(BIN / "fllc-desktop"), "--server", url]
        return subprocess.run(desktop, cwd=ROOT, env=desktop_env, check=False).returncode
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def test(args: argparse.Namespace) -> int:
    ensure_environment(dev=True)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    backends = "embedded + MariaDB/Redis" if env.get("FLLC_TEST_DATABASE_URL") else "embedded"
    say(f"running the test suite ({backends})")
    return run(PYTHON, "-m", "pytest", *args.pytest_args, env=env, check=False)


def lint(_args: argparse.Namespace) -> int:
    ensure_environment(dev=True)
    say("ruff")
    status = run(BIN / "ruff", "check", ".", check=False)
    say("mypy")
    status |= run(BIN / "mypy", "src/fllc_desktop", "server/src/fllc_server", check=False)
    return status


def clean(_args: argparse.Namespace) -> int:
    for path in (VENV, ROOT / "var"):
        if path.exists():
            say(f"removing {path}")
            shutil.rmtree(path)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    start_cmd = sub.add_parser("start", help="set up, start the server with demo data, open the app")
    start_cmd.add_argument("--port", type=int, default=8000)
    start_cmd.add_argument("--no-desktop", action="store_true", help="only run the server")
    start_cmd.set_defaults(handler=start)
    test_cmd = sub.add_parser("test", help="set up and run every test (extra args go to pytest)")
    test_cmd.set_defaults(handler=test)
    sub.add_parser("lint", help="ruff and mypy").set_defaults(handler=lint)
    sub.add_parser("clean", help="remove .venv and var/").set_defaults(handler=clean)
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
