"""Named SQL queries loaded from `.sql` files that sit next to the package owning them.

A file holds blocks introduced by `-- name: some_query`; parameters are `$1…`, never
string-formatted (the shape of procrastinate's loader).
"""

from __future__ import annotations

import re
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def parse_queries(text: str) -> dict[str, str]:
    queries: dict[str, str] = {}
    parts = _NAME.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        queries[name] = body.strip()
    return queries


def load_queries(package: str, file_name: str = "queries.sql") -> dict[str, str]:
    return parse_queries(resources.files(package).joinpath(file_name).read_text("utf-8"))
