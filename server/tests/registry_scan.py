"""Where the server's source keeps a registry at module level (test_registries.py runs this):
`python registry_scan.py PACKAGE_DIR` prints one line per finding and nothing when there is none."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

# Module-level caches of a pure function of their key (compiled SQL per dialect and query shape,
# the segment ids of an X12 set, a PDF font's glyph widths): what they hold never depends on which app asked.
_MEMOS = {
    ("catalog/repository.py", "_COMPILED"),
    ("catalog/repository.py", "_CONVERTERS"),
    ("integrations/edi/x12/reader.py", "_KNOWN"),
    ("reports/render/pdf.py", "_WIDTHS"),
}
_MUTATORS = {"append", "add", "update", "setdefault", "extend", "insert", "pop", "popitem", "clear"}
_MUTATORS |= {"remove", "discard", "appendleft"}


def _mutable_globals(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        mutable = isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            mutable |= value.func.id in {"dict", "list", "set", "defaultdict", "OrderedDict", "deque"}
        names |= {t.id for t in targets if isinstance(t, ast.Name) and mutable}
    return names


def _registry_writes(path: Path, relative: str) -> list[str]:
    tree = ast.parse(path.read_text())
    shared = {name for name in _mutable_globals(tree) if (relative, name) not in _MEMOS}
    found = [f"{relative}:{n.lineno}: global" for n in ast.walk(tree) if isinstance(n, ast.Global)]
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            target = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MUTATORS
        ):
            target = node.func.value
        if isinstance(target, ast.Name) and target.id in shared:
            found.append(f"{relative}:{node.lineno}: {target.id}")
    for node in tree.body:  # a call at import time that is not a route's declaration
        called = (
            ast.unparse(node.value.func)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            else ""
        )
        if called and not called.startswith("router."):
            found.append(f"{relative}:{node.lineno}: {called}() at import")
    return found


def main(package: Path) -> int:
    found = [
        hit
        for path in sorted(package.rglob("*.py"))
        for hit in _registry_writes(path, path.relative_to(package).as_posix())
    ]
    for hit in found:
        print(hit)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
