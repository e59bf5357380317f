"""Nothing a user could swap is loaded with pickle: every torch.load passes weights_only=True, np.load never
allow_pickle=True, and the package never calls pickle/joblib/dill loaders or torch.jit.load."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mediarec"
FORBIDDEN = {("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"), ("joblib", "load"), ("dill", "load"),
             ("cloudpickle", "load"), ("jit", "load"), ("shelve", "open")}


def _dotted(node):
    if isinstance(node, ast.Attribute):
        return (*_dotted(node.value), node.attr)
    return (node.id,) if isinstance(node, ast.Name) else ()


def _true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def problems(source: str, where: str = "<string>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        kw = {k.arg: k.value for k in node.keywords}
        if name[-2:] == ("torch", "load") and not _true(kw.get("weights_only")):
            found.append(f"{where}:{node.lineno}: torch.load without weights_only=True")
        if name[-2:] in (("np", "load"), ("numpy", "load")) and _true(kw.get("allow_pickle")):
            found.append(f"{where}:{node.lineno}: np.load(allow_pickle=True)")
        if name[-2:] in FORBIDDEN:
            found.append(f"{where}:{node.lineno}: {'.'.join(name)} unpickles")
    return found


def test_checker_catches_each_form():
    bad = ("torch.load(p)\ntorch.load(p, weights_only=False)\nnp.load(p, allow_pickle=True)\npickle.loads(b)\n"
           "torch.jit.load(p)\n")
    assert len(problems(bad)) == 5
    assert problems("torch.load(p, map_location='cpu', weights_only=True)\nnp.load(p, allow_pickle=False)\n") == []


def test_package_never_unpickles():
    files = list(PACKAGE.rglob("*.py"))
    assert len(files) > 50
    found = [m for p in files for m in problems(p.read_text(encoding="utf-8"), str(p.relative_to(PACKAGE.parent)))]
    assert found == []
