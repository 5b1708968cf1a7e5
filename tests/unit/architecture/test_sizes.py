"""No product module over 600 lines, no function over 100 lines without a reason.

A function that must stay long says why in a comment as the first line of its body
(after the docstring): `# long: <reason>`. Anything else over the limit fails here,
named, with its length.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.architecture.imports import product_modules

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100


def _has_reason(function: ast.FunctionDef | ast.AsyncFunctionDef, source: list[str]) -> bool:
    body = function.body
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        after_docstring = first.end_lineno or first.lineno
        following = body[1].lineno if len(body) > 1 else after_docstring + 1
    else:
        after_docstring = function.body[0].lineno - 1
        following = first.lineno
    # the comment sits between the signature (or the docstring) and the first statement
    for line in source[after_docstring:following]:
        if line.strip().startswith("# long:") and len(line.strip()) > len("# long:") + 3:
            return True
    return False


def long_functions(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    source = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not _has_reason(node, source):
                found.append(f"{path}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_product_module_is_over_600_lines() -> None:
    long = {
        name: n
        for name, path in product_modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_100_lines_without_a_reason() -> None:
    found = [entry for path in product_modules().values() for entry in long_functions(path)]
    assert found == []


def test_the_reason_convention_is_read(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 5))
    plain = tmp_path / "plain.py"
    plain.write_text(f"def f():\n    '''Doc.'''\n{body}\n")
    reasoned = tmp_path / "reasoned.py"
    reasoned.write_text(
        f"def f():\n    '''Doc.'''\n    # long: one table of steps, read top to bottom\n{body}\n"
    )
    bare = tmp_path / "bare.py"
    bare.write_text(f"def f():\n    # long:\n{body}\n")
    assert [e.split()[-3] for e in long_functions(plain)] == ["f"]
    assert long_functions(reasoned) == []
    assert len(long_functions(bare)) == 1  # a reason must say something
