"""docs/architecture.md names every module of the package, and names no module that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "procurewatch"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _modules() -> set[str]:
    return {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" and "examples" not in p.parts
    }


def _named() -> set[str]:
    """Module names in the Modules section: `folder/name.py` headings and the names listed under them."""
    section = DOC.split("## Modules", 1)[1].split("\n## ", 1)[0]
    named: set[str] = set()
    folder = ""
    for line in section.splitlines():
        heading = re.match(r"`(\w+)/` —", line)
        if heading:
            folder = heading.group(1) + "/"
            continue
        if line.startswith("Top level"):
            folder = ""
        for name in re.findall(r"`((?:\w+/)?\w+\.py)`", line):
            named.add(folder + name)
    return named


def test_every_module_is_on_the_map():
    missing = _modules() - _named()
    assert not missing, f"docs/architecture.md does not name: {sorted(missing)}"


def test_the_map_names_no_module_that_is_gone():
    gone = {name for name in _named() if not (PACKAGE / name).is_file()}
    assert not gone, f"docs/architecture.md names modules that do not exist: {sorted(gone)}"
