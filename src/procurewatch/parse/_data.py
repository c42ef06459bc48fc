"""Package data for parse/, loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_DATA = resources.files("procurewatch") / "data"


@cache
def load_json(name: str) -> Any:
    """A JSON file under data/parse/, parsed once."""
    return json.loads((_DATA / "parse" / name).read_text(encoding="utf-8"))


def read_text(*parts: str) -> str:
    node = _DATA
    for part in parts:
        node = node / part
    return node.read_text(encoding="utf-8")
