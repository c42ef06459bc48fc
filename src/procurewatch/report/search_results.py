"""`procurewatch search`: the best matches of a full-text query as a table or JSON Lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from procurewatch.privacy import mask_record
from procurewatch.search.index import index_dir_for, search_ids, sync_index


def print_hits(db: Path, query: str, limit: int, format: str) -> None:
    """Print the `limit` best notices matching `query` (SearchError when it cannot be run)."""
    from procurewatch.query.explorer import Explorer

    if not index_dir_for(db).exists():
        sync_index(db)
    hits = search_ids(db, query)
    explorer = Explorer(db)
    try:
        rows = explorer.notice_rows(explorer.ranked_ids(hits, limit))
    finally:
        explorer.close()
    rows = mask_record(rows)
    if format == "jsonl":
        for r in rows:
            record = {k: r[k] for k in ("id", "procurement_id", "title", "published", "buyer", "categories")}
            record["published"] = str(r["published"]) if r["published"] else None
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(hits.ids)} notices match {query!r}")
    for column in ("published", "title", "buyer", "categories", "id"):
        table.add_column(column)
    for r in rows:
        cells = (
            str(r["published"] or ""),
            r["title"] or "",
            r["buyer"] or "",
            ", ".join(r["categories"] or []),
            r["id"],
        )
        table.add_row(*(Text(c) for c in cells))  # notice text is never read as Rich markup
    Console().print(table)
