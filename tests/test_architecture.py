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


def test_desktop_file_is_valid():
    desktop = PACKAGE.parent / "packaging" / "mediarec.desktop"
    lines = desktop.read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    entries = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    for key in ("Type", "Name", "Exec", "Icon", "Categories"):
        assert entries.get(key), key
    assert entries["Exec"].split()[0] == "mediarec-gui"
    assert entries["Categories"].endswith(";")
    assert (PACKAGE.parent / "resources" / f"{entries['Icon']}.svg").exists()


def _written_kinds():
    """Every file_status kind a literal in the code names: `kind = "..."` in a class, `.with_kind("...")`,
    `error_kind="..."`, and the errno table's values."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (isinstance(stmt, ast.Assign) and [getattr(t, "id", None) for t in stmt.targets] == ["kind"]
                            and isinstance(stmt.value, ast.Constant)):
                        yield path, stmt.value.value
            elif isinstance(node, ast.Call):
                if getattr(node.func, "attr", None) == "with_kind" and isinstance(node.args[0], ast.Constant):
                    yield path, node.args[0].value
                for kw in node.keywords:
                    if kw.arg == "error_kind" and isinstance(kw.value, ast.Constant):
                        yield path, kw.value.value


def test_every_file_status_kind_is_declared():
    import errno

    from mediarec.errors import FILE_STATUS_KINDS, ReadError

    os_kinds = {ReadError.from_os_error("/x", OSError(e, "x")).kind for e in (errno.ENOENT, errno.EACCES, errno.EIO)}
    kinds = {k for _, k in _written_kinds()}
    assert {"corrupt", "timeout", "crash", "no_audio", "bug"} <= kinds  # the scan finds what it should
    undeclared = sorted(f"{p.relative_to(PACKAGE)}: {k}" for p, k in _written_kinds() if k not in FILE_STATUS_KINDS)
    assert undeclared == []
    assert kinds | os_kinds == set(FILE_STATUS_KINDS)  # and nothing is declared that no code writes


def test_file_status_refuses_an_undeclared_kind(lib):
    import pytest

    with pytest.raises(ValueError, match="unknown file_status kind"):
        lib.file_status.record("/x.mp3", "probe", "timeot", "typo")
    assert lib.file_status.list() == []
