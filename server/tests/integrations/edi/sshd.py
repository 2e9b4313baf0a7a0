"""A real OpenSSH server for the SFTP tests: Debian's `sshd -D -f <own config> -p <free port>` on
127.0.0.1, a host key and a client key generated for the run, public-key login only, the SFTP
subsystem `internal-sftp`. It runs as the user running the tests (root here: sshd's privilege
separation needs it). Without sshd the test is skipped — under CI=true it fails instead."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"  # sshd re-executes itself: it must be started by its absolute path


@dataclass(frozen=True)
class SshServer:
    host: str
    port: int
    user: str
    private_key: str  # the client's OpenSSH private key
    host_key: str  # the server's public host key ("ssh-ed25519 AAAA...")
    root: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            return conn.recv(8).startswith(b"SSH-")
    except OSError:
        return False


def run_sshd(root: Path) -> Iterator[SshServer]:
    if not (os.path.exists(SSHD) and shutil.which("ssh-keygen")):
        if os.environ.get("CI"):
            pytest.fail("sshd is missing (apt-get install openssh-server; .ci/run installs it)")
        pytest.skip("sshd is missing: apt-get install openssh-server")
    _keygen(root / "host_key")
    _keygen(root / "client_key")
    authorized = root / "authorized_keys"
    shutil.copy(root / "client_key.pub", authorized)
    authorized.chmod(0o600)
    Path("/run/sshd").mkdir(exist_ok=True)  # Debian's privilege separation directory
    config = root / "sshd_config"
    config.write_text(
        "\n".join(
            [
                "ListenAddress 127.0.0.1",
                f"HostKey {root / 'host_key'}",
                f"PidFile {root / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    port = _free_port()
    log = (root / "sshd.log").open("wb")
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config), "-p", str(port)], stderr=log)
    try:
        deadline = time.monotonic() + 20
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"sshd did not start: {(root / 'sshd.log').read_text()}")
            time.sleep(0.05)
        host_key = " ".join((root / "host_key.pub").read_text().split()[:2])
        yield SshServer(
            "127.0.0.1", port, getpass.getuser(), (root / "client_key").read_text(), host_key, root
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
