"""Opening the DuckDB store and applying its schema."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

from procurewatch.store.errors import StoreError


def schema_sql() -> str:
    return resources.files("procurewatch.store").joinpath("schema.sql").read_text(encoding="utf-8")


def open_store(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the store at `db_path` with every table in place.

    Raises StoreError with a readable reason when the file cannot be used.
    """
    db_path = Path(db_path)
    if db_path.is_dir():
        raise StoreError(f"{db_path} is a folder, not a store file")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for {db_path}: {exc.strerror}") from exc
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise StoreError(
                f"{db_path} is in use by another process (a running 'procurewatch serve'?): "
                f"stop it or choose another --db. ({_first_line(exc)})"
            ) from exc
        raise StoreError(f"cannot open {db_path} as a DuckDB store: {_first_line(exc)}") from exc
    try:
        con.execute(schema_sql())
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"cannot write the schema into {db_path}: {_first_line(exc)}") from exc
    return con


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
