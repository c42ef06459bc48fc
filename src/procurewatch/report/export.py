"""Result sets and chart rows as CSV, JSON or Parquet: the bytes of the web's downloads and the
`export` command's file (export_notices), which also hands the notices on to the field's tools as
FollowTheMoney entities, an OCDS release package or a SQLite file for Datasette (HANDOFF_FORMATS)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from procurewatch.errors import ExportError
from procurewatch.privacy import identifier_key, mask_record
from procurewatch.query.filters import NoticeFilters

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
# written from the notices with their parties, findings and evidence (report/handoff.py)
HANDOFF_FORMATS = ("ftm", "ocds", "sqlite")


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([{k: _plain(v) for k, v in r.items()} for r in rows])


def mask_table(table: pa.Table) -> pa.Table:
    """Every text column (and list of texts) with personal data masked, but the store's identifiers:
    title, buyer, suppliers, url, project code, path alike."""
    for i, name in enumerate(table.column_names):
        kind = table.schema.field(i).type
        if _holds_text(kind) and not identifier_key(name):
            values = [mask_record(v, name) for v in table.column(i).to_pylist()]
            table = table.set_column(i, name, pa.array(values, kind))
    return table


def _holds_text(kind: pa.DataType) -> bool:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return True
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _holds_text(kind.value_type)
    if pa.types.is_struct(kind):
        return any(_holds_text(kind.field(j).type) for j in range(kind.num_fields))
    return False


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """A CSV cell a spreadsheet program will not run as a formula: text starting with = + - @ (or a tab or
    carriage return) gets a leading apostrophe. Only text cells: a number column stays numeric."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _formula_safe_table(table: pa.Table) -> pa.Table:
    for i, name in enumerate(table.column_names):
        if pa.types.is_string(table.schema.field(i).type) or pa.types.is_large_string(
            table.schema.field(i).type
        ):
            values = [formula_safe(v) if v else v for v in table.column(i).to_pylist()]
            table = table.set_column(i, name, pa.array(values, table.schema.field(i).type))
    return table


def encode(table: pa.Table, fmt: str) -> tuple[bytes, str]:
    """The table as bytes in `fmt`, with its media type."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        rows = [{k: _plain(v) for k, v in r.items()} for r in table.to_pylist()]
        return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"), FORMATS[fmt]
    buffer = io.BytesIO()
    if fmt == "csv":
        buffer.write(b"\xef\xbb\xbf")  # so spreadsheet programs read the Chinese text as UTF-8
        pacsv.write_csv(_formula_safe_table(table), buffer)
    else:
        pq.write_table(table, buffer)
    return buffer.getvalue(), FORMATS[fmt]


def export_notices(
    db: Path, out: Path, fmt: str | None, filters: NoticeFilters, reveal: bool
) -> dict[str, int]:
    """Write the notices `filters` select to `out` (format from `fmt`, else the file's suffix), personal
    data masked unless `reveal`; return what was written, counted (`notices` for a table format)."""
    from procurewatch.query.explorer import Explorer
    from procurewatch.search.index import index_dir_for, sync_index

    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt in HANDOFF_FORMATS:
        return _export_handoff(db, out, fmt, filters, reveal)
    if fmt not in FORMATS:
        raise ExportError(
            f"unknown export format {fmt!r}; use one of {', '.join([*FORMATS, *HANDOFF_FORMATS])}"
        )
    if filters.q and not index_dir_for(db).exists():
        sync_index(db)
    explorer = Explorer(db)
    try:
        table = explorer.export_table(filters, sort="relevance" if filters.q else "date")
    finally:
        explorer.close()
    data, _ = encode(table if reveal else mask_table(table), fmt)
    out.write_bytes(data)
    return {"notices": table.num_rows}


def _export_handoff(db: Path, out: Path, fmt: str, filters: NoticeFilters, reveal: bool) -> dict[str, int]:
    from procurewatch.report import ftm_export, ocds_export, sqlite_export
    from procurewatch.report.handoff import open_selection

    writers = {"ftm": ftm_export.write, "ocds": ocds_export.write, "sqlite": sqlite_export.write}
    with open_selection(db, filters, reveal) as selection:
        return writers[fmt](selection, out)
