"""The package's layout rules, read from the source: imports only run down the flow
(read → understand → detect → keep → link/search → count → show), and no two modules import each other."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "procurewatch"

# a folder (or top-level module) may not import any of these
FORBIDDEN = {
    "sources": {
        "parse",
        "detect",
        "pipeline",
        "ingest",
        "store",
        "link",
        "search",
        "query",
        "report",
        "web",
        "cli",
    },
    "parse": {"detect", "pipeline", "ingest", "store", "link", "search", "query", "report", "web", "cli"},
    "detect": {"pipeline", "ingest", "store", "link", "search", "query", "report", "web", "cli"},
    "store": {"ingest", "link", "search", "query", "report", "web", "cli"},
    "entities": {"ingest", "search", "query", "report", "web", "cli"},
    "review": {"ingest", "link", "search", "query", "report", "web", "cli"},
    "link": {"ingest", "search", "query", "report", "web", "cli"},
    "search": {"ingest", "link", "query", "report", "web", "cli"},
    "query": {"ingest", "report", "web", "cli"},
    "report": {"ingest", "web", "cli"},
    "web": {"ingest", "cli"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Every procurewatch module this one imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("procurewatch"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("procurewatch"))
    return found


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_imports_run_down_the_flow():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        banned = FORBIDDEN.get(_stage(name), set())
        for target in _imports(name, path):
            if target in modules and _stage(target) in banned:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_two_modules_import_each_other():
    modules = _modules()
    graph = {
        name: {t for t in _imports(name, path) if t in modules and t != name}
        for name, path in modules.items()
    }
    cycles = sorted(
        f"{a} <-> {b}"
        for a, targets in graph.items()
        for b in targets
        if a < b and a in graph.get(b, set()) and not b.startswith(a + ".") and not a.startswith(b + ".")
    )
    assert not cycles, "\n".join(cycles)
