"""What the `index`, `search`, `export` and `serve` commands do (cli.py only parses options)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text
from starlette.datastructures import QueryParams

from procurewatch.search.index import (
    SearchError,
    index_dir_for,
    index_is_current,
    rebuild_index,
    search_ids,
    sync_index,
)
from procurewatch.web.exporting import FORMATS, encode, mask_columns
from procurewatch.web.filters import NoticeFilters
from procurewatch.web.security import TOKEN_ENV, is_loopback

EXIT_OK, EXIT_USAGE = 0, 2


def _need_store(db: Path, console: Console) -> bool:
    if not db.is_file():
        console.print(f"[red]error:[/red] no store at {db}: run 'procurewatch ingest' first", highlight=False)
        return False
    return True


def run_index(db: Path, rebuild: bool, console: Console) -> int:
    if not _need_store(db, console):
        return EXIT_USAGE
    start = time.perf_counter()
    added = rebuild_index(db) if rebuild else sync_index(db)
    console.print(
        f"{'rebuilt' if rebuild else 'synced'} {index_dir_for(db)}: {added} notices indexed "
        f"in {time.perf_counter() - start:.1f} s",
        highlight=False,
    )
    return EXIT_OK


def run_search(db: Path, query: str, limit: int, format: str, console: Console) -> int:
    if not _need_store(db, console):
        return EXIT_USAGE
    if not index_dir_for(db).exists():
        sync_index(db)
    from procurewatch.web.explorer import Explorer

    try:
        hits = search_ids(db, query)
    except SearchError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    explorer = Explorer(db)
    cur = explorer.cursor()
    rows = explorer.notice_rows(cur, hits.ids[:limit])
    cur.close()
    from procurewatch.privacy import mask_personal_data

    if format == "jsonl":
        for r in rows:
            record = {k: r[k] for k in ("id", "procurement_id", "title", "published", "buyer", "categories")}
            record["title"] = mask_personal_data(record["title"])
            record["published"] = str(r["published"]) if r["published"] else None
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return EXIT_OK
    table = Table(title=f"{len(hits.ids)} notices match {query!r}")
    for column in ("published", "title", "buyer", "categories", "id"):
        table.add_column(column)
    for r in rows:
        cells = (
            str(r["published"] or ""),
            mask_personal_data(r["title"] or ""),
            r["buyer"] or "",
            ", ".join(r["categories"] or []),
            r["id"],
        )
        table.add_row(*(Text(c) for c in cells))  # notice text is never read as Rich markup
    Console().print(table)
    return EXIT_OK


def run_export(
    db: Path,
    out: Path,
    fmt: str | None,
    query: str,
    filters: list[str],
    relevant: bool,
    reveal: bool,
    console: Console,
) -> int:
    if not _need_store(db, console):
        return EXIT_USAGE
    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        console.print(f"[red]error:[/red] unknown format {fmt!r}; use {', '.join(FORMATS)}", highlight=False)
        return EXIT_USAGE
    pairs = [("q", query)] if query else []
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep:
            console.print(f"[red]error:[/red] --filter takes NAME=VALUE, got {item!r}", highlight=False)
            return EXIT_USAGE
        pairs.append((name.strip(), value.strip()))
    if relevant:
        pairs.append(("relevant", "1"))
    f = NoticeFilters.from_params(QueryParams(pairs))
    if f.q and not index_dir_for(db).exists():
        sync_index(db)
    from procurewatch.privacy import Masker
    from procurewatch.web.explorer import Explorer

    try:
        table = Explorer(db).export_table(f, sort="relevance" if f.q else "date")
    except SearchError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, markup=False)
        return EXIT_USAGE
    data, _ = encode(mask_columns(table, ("title",), Masker(reveal)), fmt)
    out.write_bytes(data)
    console.print(f"wrote {table.num_rows} notices to {out}", highlight=False)
    return EXIT_OK


def run_serve(db: Path, host: str, port: int, token: str | None, reveal: bool, console: Console) -> int:
    if not _need_store(db, console):
        return EXIT_USAGE
    token = token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        console.print(
            f"[red]error:[/red] serving on {host} (not loopback) needs an access token: "
            f"pass --token or set {TOKEN_ENV}",
            highlight=False,
        )
        return EXIT_USAGE
    import uvicorn

    from procurewatch.web.app import Settings, create_app

    if not index_is_current(db):
        console.print("building the search index…")
        sync_index(db)
    app = create_app(Settings(db_path=db, token=token, reveal_personal_data=reveal))
    where = f"http://{host}:{port}/"
    if token:
        console.print(
            f"serving {db} read-only at {where} — access token required (header, cookie or ?token=)"
        )
    else:
        console.print(f"serving {db} read-only at {where} (loopback only, no token)")
    if reveal:
        console.print("[yellow]personal data is shown unmasked (--reveal-personal-data)[/yellow]")
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return EXIT_OK
