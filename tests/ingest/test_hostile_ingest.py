"""Issue 16, ingest end to end: a folder of good notices mixed with every kind of hostile input
(tests/hostile.py) lands every good notice, names every hostile input with its reason, and never shows
a traceback; file names that are not UTF-8 are stored; every skipped input is listed beside the store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
from rich.console import Console
from tests import hostile

from procurewatch.ingest.runner import run_ingest
from procurewatch.ingest.summary import skipped_list_path

from .corpus import write_corpus
from .test_cli_ingest import run_cli

GOOD_NOTICES = 6  # write_corpus: five records and one text notice


def _paths(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT path, count(*) FROM notices GROUP BY path").fetchall())
    finally:
        con.close()


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def test_a_file_name_that_is_not_utf8_is_stored_and_a_rerun_adds_nothing(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    hostile.non_utf8_name(corpus)
    db = tmp_path / "store.duckdb"
    first = run_ingest([corpus], db, console=_quiet(), workers=1)
    assert (first.notices_added, first.errors) == (GOOD_NOTICES + 1, 0)
    assert _paths(db)[f"{corpus}/x\\xff.json"] == 1
    again = run_ingest([corpus], db, console=_quiet(), workers=1)
    assert (again.notices_added, again.files_unchanged, again.errors) == (0, 3, 0)


def test_every_skipped_input_is_listed_beside_the_store_and_the_summary_says_where(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    for i in range(25):
        (corpus / f"empty-{i:02}.json").write_bytes(b"")
    db = tmp_path / "store.duckdb"
    console = _quiet()
    summary = run_ingest([corpus], db, console=console, workers=1)
    assert summary.errors == 25
    listed = [json.loads(line) for line in skipped_list_path(db).read_text(encoding="utf-8").splitlines()]
    assert sorted(Path(e["path"]).name for e in listed) == [f"empty-{i:02}.json" for i in range(25)]
    assert all(e["reason"] == "empty file" for e in listed)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "first 20 shown" in shown
    assert str(skipped_list_path(db)) in shown.replace("\n", "")
    for i in range(25):
        (corpus / f"empty-{i:02}.json").unlink()
    run_ingest([corpus], db, console=_quiet(), workers=1)
    assert not skipped_list_path(db).exists()  # the list is the last run's


def test_extract_reports_a_truncated_tar_gz_without_a_traceback(tmp_path: Path) -> None:
    hostile.truncated_tar_gz(tmp_path)
    result = run_cli("extract", tmp_path / "truncated.tar.gz")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "broken tar archive" in result.stderr


def test_a_fifo_given_to_extract_and_ingest_is_skipped_not_waited_on(tmp_path: Path) -> None:
    write_corpus(tmp_path / "c")
    hostile.fifo(tmp_path)
    pipe = tmp_path / "pipe.json"
    extracted = run_cli("extract", pipe, tmp_path / "c")
    assert extracted.returncode == 3, extracted.stderr
    assert "FIFO" in extracted.stderr
    assert len(extracted.stdout.splitlines()) == GOOD_NOTICES
    ingested = run_cli("ingest", pipe, tmp_path / "c", "--db", tmp_path / "s.duckdb", "--workers", "1")
    assert ingested.returncode == 3, ingested.stderr
    assert sum(_paths(tmp_path / "s.duckdb").values()) == GOOD_NOTICES


def test_a_hostile_corpus_costs_only_its_hostile_inputs(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    expected = hostile.write_hostile(corpus)
    db = tmp_path / "store.duckdb"
    result = run_cli("ingest", corpus, "--db", db, "--workers", "2")
    assert result.returncode == 3, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    stored = {path.removeprefix(f"{corpus}/"): n for path, n in _paths(db).items()}
    assert stored == {"records.jsonl": 5, "notice.txt": 1, **hostile.LANDING}
    listed = [json.loads(line) for line in skipped_list_path(db).read_text(encoding="utf-8").splitlines()]
    reasons = {e["path"].removeprefix(f"{corpus}/"): e["reason"] for e in listed}
    missing = [name for name in expected if name not in reasons]
    assert not missing, (missing, reasons)
    assert all(reason.strip() for reason in reasons.values())
    assert str(skipped_list_path(db)) in result.stderr.replace("\n", "")

    extracted = run_cli("extract", corpus)
    assert extracted.returncode == 3
    assert "Traceback" not in extracted.stderr
    assert len(extracted.stdout.splitlines()) == GOOD_NOTICES + sum(hostile.LANDING.values())
