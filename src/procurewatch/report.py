"""Placeholder: replaced by the report (core and counting issues).

Contract: print_report(db_path, format="table"|"csv"|"json", **filters) prints to stdout.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def print_report(db_path: Path, format: str = "table") -> None:
    con = duckdb.connect(str(db_path), read_only=True)
    (count,) = con.execute("SELECT count(*) FROM notices").fetchone() or (0,)
    print(f"{count} notices")
