"""The pages' CSP allows no inline script: no template may carry an inline handler
(`onclick=` …) or a `<script>` with code in it (data in `type="application/json"` and
scripts loaded by `src` only). A browser would refuse them silently; this says where."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "dialer"
_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)


def _templates() -> list[Path]:
    return sorted(ROOT.rglob("*.html"))


def test_there_are_templates_to_check() -> None:
    assert len(_templates()) > 10


def test_no_template_has_an_inline_handler_or_script() -> None:
    found: list[str] = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in _HANDLER.finditer(text):
            found.append(f"{path.relative_to(ROOT)}: handler {match.group(0)[-30:]!r}")
        for match in _SCRIPT.finditer(text):
            attributes, body = match.group(1), match.group(2)
            if "application/json" in attributes:
                continue
            if "src=" not in attributes or body.strip():
                found.append(f"{path.relative_to(ROOT)}: inline script {match.group(0)[:60]!r}")
    assert found == []
