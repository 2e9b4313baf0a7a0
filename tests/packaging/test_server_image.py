"""The server image, checked the only ways this machine allows (no container can be pulled or run):

- the entrypoint's settings (secret files, URLs composed from the parts ECS and compose pass);
- the image's own steps run here: build the server's wheel, install it into a clean virtual
  environment that the server's user cannot write, start it through the entrypoint as an
  unprivileged user with only a data directory writable, pass the HEALTHCHECK (/readyz), and stop
  cleanly on SIGTERM;
- the compose file, through Debian's docker-compose: it refuses to start without each secret, and
  every service is read-only (but the databases), unprivileged, health-checked, with volumes.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "packaging" / "docker"
UNPRIVILEGED = 65534  # nobody: the test runs as root in CI, so it must drop to a real other user


def _base_python() -> str:
    """The image's Python is the system's (/usr/local/bin/python there). Here the test's own may sit
    under root's 0700 home (pyenv), which the unprivileged user cannot run: take the system's then."""
    system = Path("/usr/bin/python3")
    if os.geteuid() == 0 and system.exists():
        return str(system)
    return sys.executable


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"fllc_image_{name}", DOCKER / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entrypoint = _load("entrypoint")


def test_database_and_redis_urls_are_composed_from_their_parts(tmp_path: Path) -> None:
    secret = tmp_path / "db-password"
    secret.write_text("p@ss:w/rd#1\n")
    env = {
        "FLLC_DB_HOST": "db.internal",
        "FLLC_DB_USER": "fllc_admin",
        "FLLC_DB_PASSWORD_FILE": str(secret),
        "FLLC_DB_REPLICA_HOST": "replica.internal",
        "FLLC_REDIS_HOST": "cache.internal",
        "FLLC_REDIS_AUTH_TOKEN": "tok/en+1",
        "FLLC_REDIS_TLS": "true",
    }
    entrypoint.prepare(env)
    assert env["FLLC_DB_PASSWORD"] == "p@ss:w/rd#1"
    assert env["FLLC_DATABASE_URL"] == (
        "mysql+asyncmy://fllc_admin:p%40ss%3Aw%2Frd%231@db.internal:3306/fllc?charset=utf8mb4"
    )
    assert env["FLLC_DATABASE_REPLICA_URL"].startswith("mysql+asyncmy://fllc_admin:p%40ss")
    assert "@replica.internal:3306/fllc" in env["FLLC_DATABASE_REPLICA_URL"]
    assert env["FLLC_REDIS_URL"] == "rediss://:tok%2Fen%2B1@cache.internal:6379/0"


def test_given_urls_win_and_nothing_is_composed_without_a_host() -> None:
    env = {"FLLC_DATABASE_URL": "mysql+asyncmy://given", "FLLC_DB_HOST": "ignored", "FLLC_SECRET_KEY": "k"}
    entrypoint.prepare(env)
    assert env["FLLC_DATABASE_URL"] == "mysql+asyncmy://given"
    assert "FLLC_REDIS_URL" not in env
    assert "FLLC_DATABASE_REPLICA_URL" not in env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user() -> dict[str, int | list[int]]:
    if os.geteuid() != 0:
        return {}  # already unprivileged
    return {"user": UNPRIVILEGED, "group": UNPRIVILEGED, "extra_groups": []}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """/opt/fllc of the image: the wheel in a fresh venv, plus the entrypoint and the healthcheck."""
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(ROOT / "server"),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("fllc_server-*.whl")
    # Outside pytest's 0700 temporary folder, so that the unprivileged user can read (not write) it.
    opt = Path(tempfile.mkdtemp(prefix="fllc-image-"))
    opt.chmod(0o755)
    subprocess.run([_base_python(), "-m", "venv", str(opt / "venv")], check=True)
    subprocess.run([str(opt / "venv/bin/pip"), "install", "--quiet", str(wheel)], check=True)
    for name in ("entrypoint.py", "healthcheck.py"):
        shutil.copy(DOCKER / name, opt / name)
    yield opt
    shutil.rmtree(opt, ignore_errors=True)


def _tree(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


def test_the_wheel_serves_as_an_unprivileged_user_with_only_its_data_dir_writable(installed: Path) -> None:
    assert not (installed / "venv" / "bin" / "pip").stat().st_mode & 0o002  # nobody may write the install
    data = installed / "data"
    data.mkdir()
    secret = installed / "secret_key"
    secret.write_text(secrets.token_urlsafe(48))
    secret.chmod(0o644)
    if os.geteuid() == 0:
        os.chown(data, UNPRIVILEGED, UNPRIVILEGED)
    before = _tree(installed / "venv")
    port = _free_port()
    env = {
        "PATH": f"{installed / 'venv' / 'bin'}:/usr/bin:/bin",
        "HOME": str(data),
        "PYTHONDONTWRITEBYTECODE": "1",
        "FLLC_ENVIRONMENT": "production",
        "FLLC_DATA_DIR": str(data),
        "FLLC_SECRET_KEY_FILE": str(secret),
        "FLLC_LOG_JSON": "true",
        "FLLC_HEALTHCHECK_URL": f"http://127.0.0.1:{port}/readyz",
    }
    python = str(installed / "venv" / "bin" / "python")
    log = (installed / "server.log").open("wb")
    server = subprocess.Popen(
        [python, str(installed / "entrypoint.py"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=data,
        stdout=log,
        stderr=subprocess.STDOUT,
        **_as_server_user(),  # type: ignore[arg-type]
    )
    try:
        healthy = False
        for _ in range(240):
            assert server.poll() is None, (installed / "server.log").read_text()
            check = subprocess.run([python, str(installed / "healthcheck.py")], env=env, check=False)
            if check.returncode == 0:
                healthy = True
                break
            time.sleep(0.25)
        assert healthy, (installed / "server.log").read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert response.status == 200
        server.send_signal(signal.SIGTERM)
        # uvicorn drains, then re-raises the signal so a supervisor sees how it ended
        assert server.wait(timeout=30) in (0, -signal.SIGTERM), (installed / "server.log").read_text()
        assert "Application shutdown complete." in (installed / "server.log").read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
    assert (data / "fllc.sqlite3").exists()  # the schema was migrated into the data dir
    assert _tree(installed / "venv") == before  # and nothing was written into the install


def _volume_target(volume: str | dict[str, str]) -> str:
    if isinstance(volume, dict):
        return volume["target"]
    return volume.split(":")[1]  # docker-compose 1.x prints "source:target:mode"


def _compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("docker-compose")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing (.ci/run installs Debian's docker-compose)")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    return subprocess.run(
        [tool, "-f", str(DOCKER / "compose.yaml"), *args],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=DOCKER,
    )


SECRETS = {
    "FLLC_DB_PASSWORD": "db-pass",
    "MARIADB_ROOT_PASSWORD": "root-pass",
    "FLLC_REDIS_PASSWORD": "redis-pass",
    "FLLC_SECRET_KEY": "k" * 48,
    "FLLC_TLS_PEM": "/etc/ssl/private/site.pem",
}


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(missing: str) -> None:
    result = _compose("config", "-q", env={k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def test_compose_site_is_two_apis_behind_tls_a_worker_a_scheduler_and_the_databases() -> None:
    import yaml

    result = _compose("config", env=SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"migrate", "api1", "api2", "worker", "scheduler", "proxy", "mariadb", "redis"}
    for name in ("api1", "api2", "worker", "scheduler", "migrate"):
        service = services[name]
        assert service["read_only"] is True, name
        assert service["user"] == "10001:10001", name
        assert service["cap_drop"] == ["ALL"], name
        targets = {_volume_target(volume) for volume in service["volumes"]}
        assert {"/var/lib/fllc", "/var/lib/fllc-storage"} <= targets, name
        # the backups (and reports) are written to the object storage, which is that volume
        assert service["environment"]["FLLC_STORAGE_URL"] == "/var/lib/fllc-storage", name
    for name, service in services.items():
        if name != "migrate":
            assert "healthcheck" in service, name
    assert services["api1"]["command"][0] == services["api2"]["command"][0] == "serve"
    assert services["worker"]["command"] == ["worker"]
    assert services["scheduler"]["command"] == ["scheduler"]
    assert {(p["published"], p["target"]) for p in services["proxy"]["ports"]} == {(80, 8080), (443, 8443)}
    haproxy_cfg = (DOCKER / "haproxy.cfg").read_text()
    assert "ssl crt /usr/local/etc/haproxy/site.pem" in haproxy_cfg
    assert "server api1 api1:8000 check" in haproxy_cfg
    assert "server api2 api2:8000 check" in haproxy_cfg
    assert services["mariadb"]["environment"]["MARIADB_PASSWORD"] == "db-pass"  # only from .env
    # the restore drill's scratch databases (fllc_drill_<random>) may be made by fllc, nothing more
    init = {_volume_target(v) for v in services["mariadb"]["volumes"]}
    assert "/docker-entrypoint-initdb.d/10-restore-drill.sql" in init
    grants = (DOCKER / "mariadb-init.sql").read_text()
    assert "GRANT ALL PRIVILEGES ON `fllc\\_drill\\_%`.* TO 'fllc'@'%';" in grants
