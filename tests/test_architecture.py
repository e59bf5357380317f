"""Layering rules a reviewer would otherwise have to remember."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mediarec"


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_only_the_ui_package_imports_qt():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for name in _imports(path):
            if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_core_does_not_import_the_ui_package_at_module_level():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "ui":
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:  # top level only: the CLI may start the GUI lazily
            if isinstance(node, ast.ImportFrom) and node.module and "ui" in node.module.split("."):
                offenders.append(str(rel))
    assert offenders == []


def test_every_module_says_what_it_owns():
    missing = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None
               and p.name != "__main__.py"]
    assert missing == []

