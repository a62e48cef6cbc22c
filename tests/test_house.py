"""The house rules of the library and its faces, read from the source (issue 19): modules a reader
can take in, functions a reader can hold, and every exception in one module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(ROOT / "index").rglob("*.py"), *(ROOT / "assistant").rglob("*.py"), ROOT / "app.py"])

MODULE_LINES = 450
FUNCTION_LINES = 60
PARAMETERS = 6
# Public faces that mirror a documented signature (README, "As a library" and the HTTP API).
WIDE_FACES = {("assistant/core/_assistant.py", "search"), ("assistant/faces/ui.py", "chat_api")}
# Exceptions may live in index/errors.py, or beside the face that raises them when documented there.
ERROR_HOMES = {"index/errors.py"}


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = node.args
    named = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs) if x.arg not in ("self", "cls")]
    return len(named) + (a.vararg is not None) + (a.kwarg is not None)


def test_the_rules_read_the_whole_library() -> None:
    assert len(SOURCES) > 40 and all(p.exists() for p in SOURCES)


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return (node.end_lineno or node.lineno) - node.lineno + 1


def _is_exception(node: ast.ClassDef) -> bool:
    builtin = {"Exception", "ValueError", "RuntimeError", "OSError", "KeyError", "LookupError"}
    return any(
        (isinstance(b, ast.Name) and (b.id in builtin or b.id.endswith(("Error", "Problem"))))
        or (isinstance(b, ast.Attribute) and b.attr.endswith(("Error", "Exception")))
        for b in node.bases
    )


def test_module_size() -> None:
    big = {
        _name(p): n for p in SOURCES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert not big, f"modules over {MODULE_LINES} lines (split them by what they own): {big}"


def test_functions_a_reader_can_hold() -> None:
    long = [
        f"{_name(p)}:{n.name} {_length(n)} lines"
        for p in SOURCES
        for n in _functions(p)
        if _length(n) > FUNCTION_LINES
    ]
    wide = [
        f"{_name(p)}:{n.name} {_parameters(n)} parameters"
        for p in SOURCES
        for n in _functions(p)
        if _parameters(n) > PARAMETERS and (_name(p), n.name) not in WIDE_FACES
    ]
    assert not long and not wide, long + wide


def test_exceptions_live_in_the_errors_module() -> None:
    stray = [
        f"{_name(p)}:{n.name}"
        for p in SOURCES
        if _name(p) not in ERROR_HOMES
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(n, ast.ClassDef) and _is_exception(n)
    ]
    assert not stray, f"exceptions outside index/errors.py: {stray}"
    errors = ast.parse((ROOT / "index" / "errors.py").read_text(encoding="utf-8"))
    assert any(isinstance(n, ast.ClassDef) and _is_exception(n) for n in ast.walk(errors))


def test_the_rules_can_fail(tmp_path: Path) -> None:
    """The checks see a long function and a wide one."""
    source = tmp_path / "m.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    source.write_text(f"def long():\n{body}\n\ndef wide(a, b, c, d, e, f, g):\n    pass\n", encoding="utf-8")
    functions = {n.name: n for n in _functions(source)}
    assert (functions["long"].end_lineno or 0) - functions["long"].lineno + 1 > FUNCTION_LINES
    assert _parameters(functions["wide"]) > PARAMETERS
