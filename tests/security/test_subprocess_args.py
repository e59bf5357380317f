"""Subprocesses take argument lists, never shell strings: no shell=True, no os.system/os.popen, no command
given to subprocess as one string, anywhere in the package, its benchmarks, scripts or tests."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("mediarec", "bench", "scripts", "tools", "tests")
SHELL_CALLS = {("os", "system"), ("os", "popen"), ("os", "execl"), ("os", "execlp"), ("commands", "getoutput"),
               ("subprocess", "getoutput"), ("subprocess", "getstatusoutput")}
RUNNERS = {"run", "call", "check_call", "check_output", "Popen"}


def _dotted(node: ast.AST) -> tuple[str, ...]:
    if isinstance(node, ast.Attribute):
        return (*_dotted(node.value), node.attr)
    if isinstance(node, ast.Name):
        return (node.id,)
    return ()


def problems(source: str, where: str = "<string>") -> list[str]:
    """Each shell-string use in `source`, as 'where:line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        for kw in node.keywords:
            if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                found.append(f"{where}:{node.lineno}: shell= on {'.'.join(name) or 'a call'}")
        if name[-2:] in SHELL_CALLS:
            found.append(f"{where}:{node.lineno}: {'.'.join(name)} runs a shell")
        if len(name) >= 2 and name[-2] == "subprocess" and name[-1] in RUNNERS and node.args:
            first = node.args[0]
            if isinstance(first, (ast.JoinedStr, ast.BinOp)) or (
                    isinstance(first, ast.Constant) and isinstance(first.value, str)):
                found.append(f"{where}:{node.lineno}: subprocess.{name[-1]} given one command string")
    return found


def test_checker_catches_each_form():
    bad = ("import os, subprocess\nsubprocess.run('ls -l', shell=True)\nos.system('ls')\n"
           "subprocess.Popen(f'ffmpeg -i {x}')\nsubprocess.check_output('a' + b)\nos.popen('x')\n")
    assert len(problems(bad)) == 6  # the first line is wrong twice: shell=True and a string
    good = "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'pass'], shell=False)\n"
    assert problems(good) == []


def test_no_shell_strings_anywhere():
    files = [p for d in CHECKED if (ROOT / d).is_dir() for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 50  # the walk found the tree
    found = [msg for p in files for msg in problems(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert found == []
