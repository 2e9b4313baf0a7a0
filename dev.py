#!/usr/bin/env python3
"""FLLC Warehouse developer entry point — the README's two commands.

    python3 dev.py start   # set everything up, start the server with demo data and open the app
    python3 dev.py test    # set everything up and run the whole test suite
    python3 dev.py infra   # static checks of the deployment files (checkov, promtool, compose)
    python3 dev.py package # the desktop app as a PyInstaller onedir bundle in dist/fllc-desktop/
    python3 dev.py drill   # seed, back up and restore-drill a small site (RPO and RTO; CI runs it)
    python3 dev.py lock    # pin the newest versions the pyproject files allow in constraints.txt

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
# Tools with pins of their own (checkov pins many libraries) live apart from the project's .venv.
TOOLS_VENV = ROOT / ".venv-tools"
TOOLS_BIN = TOOLS_VENV / ("Scripts" if os.name == "nt" else "bin")
TOOLS = ("checkov==3.3.30",)
# Every third-party package pinned to the versions CI last passed with (`python3 dev.py lock` renews it):
# a new upstream release must not turn a clean clone red on its own (stop 16's CI failed on mypy's
# unused-ignore after redis-py 8.2 typed a method).
CONSTRAINTS = ROOT / "constraints.txt"
DATA_DIR = ROOT / "var" / "server"
DEMO_ACCOUNTS_FILE = "demo-accounts.txt"  # kept beside the data it belongs to (FLLC_DATA_DIR)


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None, check: bool = True) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=check).returncode


def _requirements_fingerprint(extras: bool) -> str:
    digest = hashlib.sha256(b"dev" if extras else b"run")
    for path in (ROOT / "pyproject.toml", ROOT / "server" / "pyproject.toml", CONSTRAINTS):
        if path.exists():
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
    pins = ("-c", str(CONSTRAINTS)) if CONSTRAINTS.exists() else ()
    run(PYTHON, "-m", "pip", "install", "--quiet", *pins, "-e", f"./server{extra}", "-e", f".{extra}")
    STAMP.write_text(fingerprint)


def lock(_args: argparse.Namespace) -> int:
    """Resolve the newest versions the pyproject files allow in a scratch venv and pin them all."""
    scratch = ROOT / "var" / "lock-venv"
    if scratch.exists():
        shutil.rmtree(scratch)
    say(f"resolving the newest allowed versions in {scratch}")
    venv.EnvBuilder(with_pip=True).create(scratch)
    python = scratch / ("Scripts" if os.name == "nt" else "bin") / "python"
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "--quiet", "-e", "./server[dev]", "-e", ".[dev]")
    frozen = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--exclude-editable"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pins = sorted((ln for ln in frozen.splitlines() if ln and not ln.startswith("-e")), key=str.lower)
    header = (
        "# Pins for every third-party package (pip constraints: a pin applies only where a package is\n"
        "# needed). Written by `python3 dev.py lock` on Python "
        f"{sys.version_info.major}.{sys.version_info.minor}; run the tests after renewing it.\n"
    )
    CONSTRAINTS.write_text(header + "\n".join(pins) + "\n")
    shutil.rmtree(scratch)
    say(f"{len(pins)} pins written to {CONSTRAINTS.name}")
    return 0


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
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
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
        cwd=ROOT,
        env=env,
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
    say(f"running the test suite ({backends}{', measuring coverage' if args.coverage else ''})")
    cover = ["--cov", "--cov-report="] if args.coverage else []
    status = run(PYTHON, "-m", "pytest", *cover, *args.pytest_args, env=env, check=False)
    if args.coverage:
        status |= coverage_report()
    return status


def coverage_report() -> int:
    """The whole project against its floor ([tool.coverage.report] fail_under), the modules in
    [tool.fllc] fully_covered against 100%, and the HTML report in var/coverage/html."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    fully_covered = config["tool"]["fllc"]["fully_covered"]
    coverage = BIN / "coverage"
    run(coverage, "html", "-q", check=False)
    say("coverage of the whole project (report: var/coverage/html/index.html)")
    status = run(coverage, "report", "--skip-covered", "--sort=cover", check=False)
    say("coverage of the outbox, the sync engine and the booking primitive (must be 100%)")
    status |= run(coverage, "report", "--fail-under=100", f"--include={','.join(fully_covered)}", check=False)
    return status


def lint(_args: argparse.Namespace) -> int:
    ensure_environment(dev=True)
    say("ruff")
    status = run(BIN / "ruff", "check", ".", check=False)
    say("ruff format --check")
    status |= run(BIN / "ruff", "format", "--check", ".", check=False)
    say("mypy")
    status |= run(BIN / "mypy", "src/fllc_desktop", "server/src/fllc_server", check=False)
    say("lint-imports (the layering contracts in pyproject.toml)")
    status |= run(BIN / "lint-imports", "--no-cache", check=False)
    return status


def ensure_tools() -> None:
    stamp = TOOLS_VENV / ".fllc-tools"
    wanted = "\n".join(TOOLS)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    say(f"installing {', '.join(TOOLS)} into {TOOLS_VENV}")
    venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS_VENV)
    run(TOOLS_BIN / "python", "-m", "pip", "install", "--quiet", *TOOLS)
    stamp.write_text(wanted)


def infra(_args: argparse.Namespace) -> int:
    """Check the deployment files statically: nothing here can pull images or cloud providers."""
    ensure_tools()
    status = 0
    say("checkov: packaging/terraform")
    checkov = [TOOLS_BIN / "checkov", "--quiet", "--compact", "--skip-download", "--framework"]
    status |= run(*checkov, "terraform", "-d", "packaging/terraform", check=False)
    say("checkov: packaging/docker/Dockerfile")
    status |= run(*checkov, "dockerfile", "-f", "packaging/docker/Dockerfile", check=False)
    status |= promtool_checks()
    status |= compose_check()
    return status


def compose_check() -> int:
    """`docker-compose config` of the site's compose file (Debian's docker-compose), with stand-in
    values for the secrets it requires (tests/packaging checks that each one is required)."""
    tool = shutil.which("docker-compose")
    if tool is None:
        print("docker-compose is missing: apt-get install docker-compose", file=sys.stderr)
        return 1
    say("docker-compose config: packaging/docker/compose.yaml")
    stand_ins = ("FLLC_SECRET_KEY", "FLLC_DB_PASSWORD", "MARIADB_ROOT_PASSWORD", "FLLC_REDIS_PASSWORD")
    env = {"PATH": os.environ.get("PATH", ""), "FLLC_TLS_PEM": "/etc/ssl/private/site.pem"}
    env.update(dict.fromkeys(stand_ins, "stand-in"))
    compose = ROOT / "packaging" / "docker" / "compose.yaml"
    return run(tool, "-f", compose, "config", "-q", env=env, check=False)


def promtool_checks() -> int:
    """The alert rules, their unit tests and the Prometheus config (Debian's prometheus package)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        print("promtool is missing: apt-get install prometheus", file=sys.stderr)
        return 1
    monitoring = ROOT / "packaging" / "monitoring"
    say("promtool: packaging/monitoring")
    status = run(promtool, "check", "rules", monitoring / "alerts.yml", check=False)
    status |= run(promtool, "test", "rules", monitoring / "alerts_test.yml", check=False)
    status |= run(promtool, "check", "config", "--syntax-only", monitoring / "prometheus.yml", check=False)
    return status


PYINSTALLER = "pyinstaller>=6.10"


def package(_args: argparse.Namespace) -> int:
    """Build the desktop app's onedir bundle (dist/fllc-desktop/) for the system this runs on."""
    if not STAMP.exists():  # a .venv set up by start/test/lint (with or without [dev]) will do
        ensure_environment(dev=False)
    if not (BIN / ("pyinstaller.exe" if os.name == "nt" else "pyinstaller")).exists():
        say(f"installing {PYINSTALLER} into .venv")
        run(PYTHON, "-m", "pip", "install", "--quiet", PYINSTALLER)
    desktop = ROOT / "packaging" / "desktop"
    say("rendering the icons")
    run(PYTHON, desktop / "make_icons.py", ROOT / "build" / "icons")
    say("PyInstaller: packaging/desktop/fllc-desktop.spec (a few minutes)")
    started = time.monotonic()
    status = run(
        PYTHON, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", ROOT / "dist", "--workpath", ROOT / "build" / "pyinstaller",
        desktop / "fllc-desktop.spec", check=False,
    )  # fmt: skip
    if status:
        return status
    bundle = ROOT / "dist" / "fllc-desktop"
    if sys.platform.startswith("linux"):
        shutil.copy(desktop / "fllc-desktop.desktop", bundle / "fllc-desktop.desktop")
    say(f"built {bundle} in {time.monotonic() - started:.0f} s; start it with {bundle / 'fllc-desktop'}")
    return 0


def drill(args: argparse.Namespace) -> int:
    """A restore drill from scratch: a fresh data dir (var/drill/), the schema and a small demo data
    set in the database (`--database-url`: an empty MariaDB/MySQL database; default the embedded
    SQLite), one backup stored where the scheduled ones go (the data dir's object storage,
    backups/), then `fllc-server restore-drill`: every table's row count and content checksum, the
    RPO and the RTO. Exits with the drill's status."""
    if not STAMP.exists():
        ensure_environment(dev=False)
    data = ROOT / "var" / "drill"
    if data.exists():
        shutil.rmtree(data)
    backups = data / "storage" / "backups"
    backups.mkdir(parents=True, mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
    env.update(FLLC_DATA_DIR=str(data), FLLC_LOG_LEVEL="WARNING", FLLC_BACKUP_EVERY_MINUTES="0")
    if args.database_url:
        env["FLLC_DATABASE_URL"] = args.database_url
    server = BIN / "fllc-server"
    where = "MariaDB/MySQL" if args.database_url else "the embedded default (SQLite)"
    say(f"restore drill on {where}: {args.products} demo products, one backup, restore-drill")
    steps = (
        ["migrate"],
        ["seed-demo", "--products", str(args.products)],
        ["backup", "--output", str(backups)],
    )
    for step in steps:
        done = subprocess.run([str(server), *step], cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
        if done.returncode:
            print(f"fllc-server {step[0]} failed", file=sys.stderr)
            return 1
    return run(server, "restore-drill", env=env, check=False)


def clean(_args: argparse.Namespace) -> int:
    for path in (VENV, TOOLS_VENV, ROOT / "var"):
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
    test_cmd.add_argument(
        "--coverage",
        action="store_true",
        help="measure coverage (CI does): a floor for the project, 100%% for the outbox, sync engine and "
        "booking; HTML report in var/coverage/html",
    )
    test_cmd.set_defaults(handler=test)
    sub.add_parser("lint", help="ruff, mypy and the import contracts").set_defaults(handler=lint)
    sub.add_parser("infra", help="checkov, promtool and compose checks of packaging/").set_defaults(
        handler=infra
    )
    sub.add_parser("package", help="build the desktop app bundle (PyInstaller)").set_defaults(handler=package)
    drill_cmd = sub.add_parser("drill", help="seed, back up and restore-drill a small site: RPO and RTO")
    drill_cmd.add_argument(
        "--database-url", help="an empty MariaDB/MySQL database (default: embedded SQLite)"
    )
    drill_cmd.add_argument("--products", type=int, default=500)
    drill_cmd.set_defaults(handler=drill)
    sub.add_parser("lock", help="pin the newest allowed versions in constraints.txt").set_defaults(
        handler=lock
    )
    sub.add_parser("clean", help="remove .venv, .venv-tools and var/").set_defaults(handler=clean)
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
