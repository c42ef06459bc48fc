"""On real records from ../shared/data: re-ingesting, or ingesting the same notices from a second
folder, changes no total."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from procurewatch.ingest.runner import run_ingest
from procurewatch.query import counts as a

pytestmark = pytest.mark.shared

FILES = (
    "cn-yichang-ggzy-coomaso/parsed.jsonl",
    "cn-yichang-ggzy-coomaso/hx_parsed.jsonl",
    "cn-telecom-operator-notices/telecom-notices.jsonl",
)


def corpus(shared_data: Path, folder: Path, lines: int = 300) -> Path:
    folder.mkdir(parents=True)
    for name in FILES:
        src = (shared_data / "bulk" / name).read_text("utf-8").splitlines()[:lines]
        (folder / Path(name).name).write_text("\n".join(src) + "\n", encoding="utf-8")
    return folder


def figures(db: Path) -> dict[str, list[dict]]:
    con = a.connect(db)
    try:
        out = {}
        for relevant in (True, False):
            f = a.Filters(relevant_only=relevant)
            out[f"totals{relevant}"] = a.totals(con, f)
            out[f"years{relevant}"] = a.by_year_category(con, f)
            out[f"provinces{relevant}"] = a.by_province(con, f)
            out[f"buyers{relevant}"] = a.top_buyers(con, f, limit=50)
        return out
    finally:
        con.close()


def ingest(paths: list[Path], db: Path) -> None:
    run_ingest(paths, db, field_map={}, batch_size=500, console=Console(file=io.StringIO()))


def test_reingest_and_second_source_leave_totals_unchanged(shared_data, tmp_path):
    first = corpus(shared_data, tmp_path / "portal-a")
    db = tmp_path / "store.duckdb"
    ingest([first], db)
    before = figures(db)
    assert sum(r["procurements"] for r in before["totalsFalse"]) > 0

    ingest([first], db)  # the same corpus again
    assert figures(db) == before

    second = tmp_path / "portal-b"
    shutil.copytree(first, second)  # the same notices from another source
    ingest([second], db)
    con = a.connect(db)
    (notices,) = con.execute("SELECT count(*) FROM notices").fetchone()
    (linked,) = con.execute("SELECT count(*) FROM notice_links").fetchone()
    con.close()
    assert linked == notices  # every notice, both copies, is linked
    assert figures(db) == before
