"""What the `review-list`, `review-export` and `review-import` commands do with a store."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from procurewatch.errors import UsageError
from procurewatch.review.decisions import decisions
from procurewatch.review.labels import export_labels, import_labels
from procurewatch.store.db import open_store


@contextmanager
def _store(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_store(db)  # a store older than reviews gets its tables; one in use is refused
    try:
        yield con
    finally:
        con.close()


def print_decisions(db: Path, format: str = "table") -> int:
    """Print every decision (table or jsonl), newest first; return how many."""
    if format not in ("table", "jsonl"):
        raise UsageError(f"--format {format!r}: expected table or jsonl")
    with _store(db) as con:
        found = decisions(con)
    if format == "jsonl":
        for d in found:
            sys.stdout.write(json.dumps(d.as_dict(), ensure_ascii=False, default=str) + "\n")
    else:
        table = Table(
            "id", "procurement", "decision", "categories", "role", "reviewer", "decided (UTC)", "note"
        )
        for d in found:
            pid = d.procurement_id or f"(notices gone; was {d.decided_on})"
            verdict = d.decision if d.counts else f"{d.decision} (superseded)"
            cells = (d.id, pid, verdict, ", ".join(d.categories), d.role, d.reviewer, d.decided_at, d.note)
            table.add_row(*(escape(str(v if v is not None else ""))[:200] for v in cells))
        Console().print(table)
    return len({d.id for d in found})


def export_file(db: Path, out: Path) -> int:
    with _store(db) as con:
        return export_labels(con, out)


def import_file(db: Path, labels: Path) -> tuple[int, int]:
    if not Path(labels).is_file():
        raise UsageError(f"no such file: {labels}")
    with _store(db) as con:
        return import_labels(con, labels)
