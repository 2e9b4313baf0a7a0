"""The codec imports only the standard library and itself (the import-linter contract lists the
server's packages; this catches anything else, including packages added later)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import fllc_server.integrations.edi.x12 as codec

PACKAGE = "fllc_server.integrations.edi.x12"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_codec_imports_only_the_standard_library_and_itself() -> None:
    files = sorted(Path(codec.__file__).parent.rglob("*.py"))
    assert len(files) > 10
    foreign = {
        (path.name, name)
        for path in files
        for name in imported_modules(path)
        if not (
            name == PACKAGE or name.startswith(PACKAGE + ".") or name.split(".")[0] in sys.stdlib_module_names
        )
    }
    assert foreign == set()
