"""House rules of docs/architecture.md, checked so that they stay true."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from parcours.settings import PACKAGE_DIR

WEB_FRAMEWORKS = {"starlette", "uvicorn"}
MESH_LIBRARIES = {"trimesh", "pygltflib", "numpy"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_knows_no_http() -> None:
    for path in PACKAGE_DIR.rglob("*.py"):
        if "web" in path.relative_to(PACKAGE_DIR).parts or path.name == "cli.py":
            continue
        assert not imported_roots(path) & WEB_FRAMEWORKS, path


def test_serving_path_imports_no_mesh_library() -> None:
    code = (
        "import sys, parcours.web.app, parcours.cli;"
        f"print(sorted(m for m in {sorted(MESH_LIBRARIES)!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_modules_stay_small() -> None:
    for path in PACKAGE_DIR.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 400, f"{path} has {lines} lines; split it by job"
