"""Layering rules a reviewer would otherwise have to remember."""
import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mediarec"

LAZY_CYCLE_EDGES: dict[tuple[str, str], str] = {}
"""Function-level imports allowed to close an import circle, (importer, imported) -> why. None today:
a shared part goes in a module of its own instead (index/fused_format.py, library/codec.py,
extract/models/musicnn_input.py)."""


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # the module it loads (a submodule where `from pkg import sub` names one)
    names: tuple[str, ...]  # what `from target import ...` takes ((): a plain import, or a submodule)
    line: int
    lazy: bool  # inside a function: runs when called, not when the module is imported
    typing_only: bool  # under `if TYPE_CHECKING:`: never runs


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[:len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    return getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"


def _import_nodes(body, lazy=False, typing_only=False):
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, lazy, typing_only
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _import_nodes(node.body, True, typing_only)
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _import_nodes(node.body, lazy, True)
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from _import_nodes(inner, lazy, typing_only)


def package_imports(root: Path = PACKAGE) -> tuple[set[str], list[Import]]:
    """Every module of the package under `root`, and every import statement in it, resolved to modules."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    found = []
    for module, path in paths.items():
        for node, lazy, typing_only in _import_nodes(ast.parse(path.read_text()).body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.append(Import(module, alias.name, (), node.lineno, lazy, typing_only))
                continue
            base = _base(module, path, node)
            names = [a.name for a in node.names]
            for name in names:
                if f"{base}.{name}" in paths:
                    found.append(Import(module, f"{base}.{name}", (), node.lineno, lazy, typing_only))
            taken = tuple(n for n in names if f"{base}.{n}" not in paths)
            if taken:
                found.append(Import(module, base, taken, node.lineno, lazy, typing_only))
    return set(paths), found


def import_cycles(modules: set[str], imports: list[Import], allowed=frozenset()) -> list[list[str]]:
    """The package's import circles (strongly connected groups of two or more modules) among the imports
    that run (module and function level; not typing-only), leaving out the `allowed` lazy edges."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if imp.target in modules and imp.target != imp.importer and not imp.typing_only and not (
                imp.lazy and (imp.importer, imp.target) in allowed):
            graph[imp.importer].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for m in sorted(graph):
        if m not in index:
            visit(m)
    return cycles


def private_imports(modules: set[str], imports: list[Import]) -> list[str]:
    """`from other_module import _name` inside the package: a private name used as an API."""
    return sorted(f"{i.importer}:{i.line} takes {name} from {i.target}" for i in imports
                  if i.target in modules and i.target != i.importer
                  for name in i.names if name.startswith("_") and not name.startswith("__"))


def test_the_package_has_no_import_circles():
    modules, imports = package_imports()
    assert len(modules) > 100 and len(imports) > 500  # the walk sees the package
    assert import_cycles(modules, imports, frozenset(LAZY_CYCLE_EDGES)) == []
    lazy = {(i.importer, i.target) for i in imports if i.lazy}
    assert set(LAZY_CYCLE_EDGES) <= lazy  # an allowance whose import is gone is removed too


def test_no_module_imports_another_modules_private_names():
    assert private_imports(*package_imports()) == []


def test_the_checks_find_circles_and_private_names(tmp_path):
    """The two checks above on a small package that breaks both rules (so they cannot pass vacuously)."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import thing\n")
    (pkg / "b.py").write_text("def f():\n    from .a import _helper\n")  # lazy: still a circle
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                      "    from ..d import D\nfrom .. import a\n")
    (pkg / "d.py").write_text("from .sub import c\n")  # back to c only for typing: no circle
    modules, imports = package_imports(pkg)
    assert import_cycles(modules, imports) == [["pkg.a", "pkg.b"]]
    assert import_cycles(modules, imports, frozenset({("pkg.b", "pkg.a")})) == []
    assert private_imports(modules, imports) == ["pkg.b:2 takes _helper from pkg.a"]


def _in_ui(module: str) -> bool:
    return module == "mediarec.ui" or module.startswith("mediarec.ui.")


def test_only_the_ui_package_imports_qt():
    _, imports = package_imports()  # at any level, lazy or typing-only included
    offenders = [f"{i.importer} imports {i.target}" for i in imports if not _in_ui(i.importer)
                 and i.target.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6")]
    assert offenders == []
    assert any(i.target.startswith("PySide6") for i in imports)  # the ui package's own imports are seen


def test_core_does_not_import_the_ui_package_at_module_level():
    """`import mediarec.ui`, `from mediarec.ui import x`, `from .. import ui`, `from ..ui.x import y`: all
    count. Inside a function it is allowed: the CLI may start the GUI lazily."""
    _, imports = package_imports()
    offenders = [f"{i.importer}:{i.line}" for i in imports
                 if not i.lazy and not _in_ui(i.importer) and _in_ui(i.target)]
    assert offenders == []


def test_the_ui_check_sees_every_form_of_import(tmp_path):
    pkg = tmp_path / "mediarec"
    (pkg / "ui").mkdir(parents=True)
    (pkg / "core").mkdir()
    for f in ("__init__.py", "ui/__init__.py", "ui/views.py", "core/__init__.py"):
        (pkg / f).write_text("")
    forms = ["import mediarec.ui", "from mediarec import ui", "from .. import ui", "from ..ui.views import V",
             "import mediarec.ui.views as v"]
    for n, line in enumerate(forms):
        (pkg / "core" / f"m{n}.py").write_text(line + "\n")
    _, imports = package_imports(pkg)
    hits = {i.importer for i in imports if _in_ui(i.target)}
    assert hits == {f"mediarec.core.m{n}" for n in range(len(forms))}


def test_every_module_says_what_it_owns():
    missing = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None
               and p.name != "__main__.py"]
    assert missing == []

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
