"""The desktop app as shipped: `python3 dev.py package` builds the PyInstaller onedir bundle, and the
frozen program starts offscreen against a real server process to the sign-in page.

Slow (a build takes minutes): marked `slow`. FLLC_DESKTOP_BUNDLE=dist/fllc-desktop uses a bundle
built before instead of building one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fllc_server.testing import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
SECRET = "desktop-bundle-test-secret-" + "x" * 32


@pytest.fixture(scope="module")
def bundle() -> Path:
    given = os.environ.get("FLLC_DESKTOP_BUNDLE")
    if given:
        return Path(given).resolve()
    subprocess.run([sys.executable, str(ROOT / "dev.py"), "package"], cwd=ROOT, check=True, timeout=1800)
    return ROOT / "dist" / "fllc-desktop"


@pytest.mark.slow
def test_the_frozen_app_starts_to_the_sign_in_page(bundle: Path, tmp_path: Path) -> None:
    program = bundle / ("fllc-desktop.exe" if os.name == "nt" else "fllc-desktop")
    assert program.exists(), f"no bundle at {bundle}"
    assert (bundle / "_internal" / "resources" / "icons" / "app.svg").exists()
    if sys.platform.startswith("linux"):
        entry = (bundle / "fllc-desktop.desktop").read_text()
        assert "Exec=fllc-desktop" in entry
        assert "Icon=fllc-desktop" in entry
    server = ServerProcess(tmp_path / "server", SECRET)
    server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
        env.update(
            QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "cfg")
        )
        done = subprocess.run(
            [str(program), "--server", server.url, "--quit-when-shown"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    shown = [line.split() for line in done.stdout.splitlines() if line.startswith("shown ")]
    assert shown, done.stdout + done.stderr
    assert shown[0][2] == "page_sign_in"


def test_the_bundle_version_is_the_package_version() -> None:
    """The spec reads the version from the installed package; the package's own says the same."""
    from importlib.metadata import version

    import fllc_desktop

    assert version("fllc-desktop") == fllc_desktop.__version__
    assert 'version("fllc-desktop")' in (ROOT / "packaging" / "desktop" / "fllc-desktop.spec").read_text()
