"""run_ingest end to end on small corpora written here: counts, idempotence, crash and resume, files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from procurewatch.errors import NoInputsError, StoreError
from procurewatch.ingest import reading
from procurewatch.ingest import runner as ingest_module
from procurewatch.ingest import steps as phases
from procurewatch.ingest.runner import input_bytes, run_ingest
from procurewatch.ingest.storing import store_phase
from procurewatch.model import Notice
from procurewatch.pipeline import extract
from procurewatch.store.db import open_store
from procurewatch.store.writer import StoreWriter

from .corpus import (
    RECORDS,
    count,
    many_records,
    table_counts,
    write_bad_inputs,
    write_corpus,
    write_jsonl,
)


def quiet() -> Console:
    return Console(stderr=True, quiet=True)


def ingest(paths: list[Path], db: Path, batch_size: int = 2000, workers: int = 1):  # type: ignore[no-untyped-def]
    return run_ingest(paths, db, field_map={}, batch_size=batch_size, console=quiet(), workers=workers)


def write_text_notices(root: Path, n: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"notice-{i:03d}.txt").write_text(
            f"第{i}号 视频监控设备采购公告\n采购人：某市公安局\n预算金额：{i + 1}万元\n", encoding="utf-8"
        )
    return root


def expected_rows(paths: list[Path]) -> dict[str, int]:
    """What the store must hold: the rows of every notice `extract` makes from the same inputs."""
    notices = [n for n in extract(paths) if isinstance(n, Notice)]
    return {
        "notices": len(notices),
        "parties": sum((n.buyer is not None) + len(n.suppliers) for n in notices),
        "amounts": sum(len(n.amounts) for n in notices),
        "findings": sum(len(n.surveillance.categories) for n in notices),
        "vendor_mentions": sum(len(n.vendors_mentioned) for n in notices),
        "evidence": sum(
            sum(len(c.evidence) for c in n.surveillance.categories)
            + sum(len(v.evidence) for v in n.vendors_mentioned)
            for n in notices
        ),
        "items": sum(len(n.items) for n in notices),
    }


def test_ingest_fills_every_table(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    summary = ingest([corpus], db)
    counts = table_counts(db)
    assert counts["notices"] == len(RECORDS) + 1
    assert {k: v for k, v in counts.items() if k != "files"} == expected_rows([corpus])
    assert counts["files"] == 2
    assert summary.notices_seen == summary.notices_added == len(RECORDS) + 1
    assert summary.files == 2 and not summary.skipped


def test_reingest_adds_nothing_and_skips_unchanged_files(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    ingest([corpus], db)
    before = table_counts(db)

    again = ingest([corpus], db)
    assert table_counts(db) == before
    assert again.notices_added == 0
    assert again.files_unchanged == 2 and again.files == 0

    # a touched file is read again, yet its notices are already stored
    records = corpus / "records.jsonl"
    st = records.stat()
    os.utime(records, (st.st_atime, st.st_mtime + 10))
    touched = ingest([corpus], db)
    assert touched.files == 1 and touched.files_unchanged == 1
    assert touched.notices_seen == len(RECORDS) and touched.notices_added == 0
    assert table_counts(db) == before


def test_worker_pool_stores_the_same_as_inline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = write_text_notices(tmp_path / "texts", 40)  # small files: read whole by the workers
    write_jsonl(corpus / "many.jsonl", many_records(60))  # a big JSON Lines file: cut into slices of lines
    array = many_records(90)[60:]
    (corpus / "many.json").write_text(json.dumps(array, ensure_ascii=False), encoding="utf-8")  # read here
    monkeypatch.setattr(reading, "WHOLE_FILE_MAX", 1000)
    assert (corpus / "many.jsonl").stat().st_size > 1000 > (corpus / "notice-000.txt").stat().st_size
    inline_db, pool_db = tmp_path / "inline.duckdb", tmp_path / "pool.duckdb"
    ingest([corpus], inline_db, batch_size=7, workers=1)
    summary = ingest([corpus], pool_db, batch_size=7, workers=2)
    assert summary.workers == 2  # enough chunks to start the pool
    assert table_counts(pool_db) == table_counts(inline_db)
    assert table_counts(pool_db)["notices"] == 130
    assert count(pool_db, "SELECT count(*) FROM files WHERE status = 'done'") == 42
    ids = "SELECT string_agg(id, ',' ORDER BY id) FROM notices"
    assert count(pool_db, f"SELECT hash(({ids}))") == count(inline_db, f"SELECT hash(({ids}))")


real_insert_children = StoreWriter._insert_children


def crash_after(monkeypatch: pytest.MonkeyPatch, batches_ok: int) -> None:
    """Make the writer fail inside the transaction of batch number `batches_ok + 1`."""
    real = StoreWriter._insert_children
    calls = {"n": 0}

    def failing(self, tables, added, everything_new) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > batches_ok:
            raise RuntimeError("simulated crash mid-batch")
        real(self, tables, added, everything_new)

    monkeypatch.setattr(StoreWriter, "_insert_children", failing)


@pytest.mark.parametrize("shape", ["many text files", "one big jsonl file"])
def test_crash_mid_batch_then_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    if shape == "many text files":
        corpus = write_text_notices(tmp_path / "corpus", 11)
    else:  # read in the main process and cut into chunks, like a JSONL of millions of lines
        corpus = write_jsonl(tmp_path / "records.jsonl", many_records(11))
        monkeypatch.setattr(reading, "WHOLE_FILE_MAX", 100)
    db = tmp_path / "store.duckdb"
    crash_after(monkeypatch, batches_ok=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest([corpus], db, batch_size=3)
    # two batches of three landed whole; the third left no trace in any table
    assert count(db, "SELECT count(*) FROM notices") == 6
    assert count(db, "SELECT count(*) FROM parties WHERE notice_id NOT IN (SELECT id FROM notices)") == 0
    monkeypatch.setattr(StoreWriter, "_insert_children", real_insert_children)

    summary = ingest([corpus], db, batch_size=3)
    assert summary.notices_added == 5
    assert count(db, "SELECT count(*) FROM notices") == 11
    assert count(db, "SELECT count(DISTINCT id) FROM notices") == 11
    assert table_counts(db) == {**expected_rows([corpus]), "files": table_counts(db)["files"]}
    assert count(db, "SELECT count(*) FROM files WHERE status <> 'done'") == 0


def test_file_statuses(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    good_lines = [json.dumps(r, ensure_ascii=False) for r in RECORDS[:2]]
    (corpus / "mixed.jsonl").write_text(
        f"{good_lines[0]}\n{{broken json\n{good_lines[1]}\n", encoding="utf-8"
    )
    (corpus / "empty.txt").write_bytes(b"")
    db = tmp_path / "store.duckdb"
    summary = ingest([corpus], db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT path, status, notices, errors FROM files").fetchall()
    con.close()
    con_rows = {Path(p).name: (status, notices, errors) for p, status, notices, errors in rows}
    assert con_rows["records.jsonl"] == ("done", len(RECORDS), 0)
    assert con_rows["notice.txt"] == ("done", 1, 0)
    assert con_rows["mixed.jsonl"] == ("partial", 2, 1)
    assert con_rows["empty.txt"][0] == "skipped" and con_rows["empty.txt"][1] == 0
    assert summary.files_partial == 1 and summary.files_skipped == 1
    skipped_paths = {Path(p.split("#")[0]).name for p, _ in summary.skipped}
    assert skipped_paths == {"mixed.jsonl", "empty.txt"}


def test_no_inputs_is_a_usage_error_and_creates_no_store(tmp_path: Path) -> None:
    (tmp_path / "empty-folder").mkdir()
    db = tmp_path / "store.duckdb"
    with pytest.raises(NoInputsError, match="no input files"):
        ingest([tmp_path / "empty-folder"], db)
    assert not db.exists()


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    db.write_text("this is not a database\n" * 100)
    with pytest.raises(StoreError, match=r"store\.duckdb"):
        ingest([corpus], db)


def test_phases_in_processes_of_their_own_store_link_and_report_the_same(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    write_bad_inputs(corpus / "bad")
    here, apart = tmp_path / "here.duckdb", tmp_path / "apart.duckdb"
    in_process = run_ingest([corpus], here, field_map={}, console=quiet(), workers=1, isolate=False)
    isolated = run_ingest([corpus], apart, field_map={}, console=quiet(), workers=1, isolate=True)
    assert table_counts(apart) == table_counts(here)
    for sql in (
        "SELECT hash(string_agg(id, ',' ORDER BY id)) FROM notices",
        "SELECT hash(string_agg(notice_id || procurement_id || reason, ',' ORDER BY notice_id)) "
        "FROM notice_links",
        "SELECT count(*) FROM procurements",
    ):
        assert count(apart, sql) == count(here, sql)
    for name in (
        "notices_seen",
        "notices_added",
        "files",
        "files_skipped",
        "errors",
        "skipped",
        "linked",
        "indexed",
    ):
        assert getattr(isolated, name) == getattr(in_process, name), name
    assert isolated.skipped and isolated.linked == 6 and isolated.indexed == 6
    assert isolated.db_path == apart and not isolated.warnings


def test_a_usage_error_in_a_phase_process_reaches_the_caller(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    not_a_store = tmp_path / "store.duckdb"
    not_a_store.write_bytes(b"this is not a DuckDB file" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        run_ingest([corpus], not_a_store, console=quiet(), workers=1, isolate=True)


def test_storing_tells_when_every_input_is_read_while_the_store_is_still_open(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    stored_then: list[int] = []

    def read() -> None:  # told before the batch (the whole corpus here) is written
        con = open_store(db)  # in this process: DuckDB's instance, shared with the storing step
        stored_then.append(con.execute("SELECT count(*) FROM notices").fetchall()[0][0])
        con.close()

    summary = store_phase([corpus], db, {}, 2000, 1, quiet(), when_read=read)
    assert stored_then == [0]
    assert count(db, "SELECT count(*) FROM notices") == summary.notices_added > 0


def test_a_step_process_started_early_ends_cleanly_when_never_sent_its_request() -> None:
    step = phases.StepProcess("link", quiet=True)
    step.end()
    assert step._child.returncode == 0


def test_the_storing_process_says_when_it_has_read_everything(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    request = {
        "paths": [str(corpus)],
        "db_path": str(tmp_path / "store.duckdb"),
        "field_map": {},
        "batch_size": 2000,
        "workers": 1,
    }
    store = phases.StepProcess("store", quiet=True, tells_when_read=True)
    try:
        store.send(request)
        assert store.wait_until_read()
        added = store.result().notices_added
        assert added == count(tmp_path / "store.duckdb", "SELECT count(*) FROM notices") > 0
    finally:
        store.end()
    not_a_store = tmp_path / "not-a-store.duckdb"
    not_a_store.write_bytes(b"this is not a DuckDB file" * 100)
    failing = phases.StepProcess("store", quiet=True, tells_when_read=True)
    try:  # a storing process that fails before reading everything says nothing: its error is its result
        failing.send({**request, "db_path": str(not_a_store)})
        assert not failing.wait_until_read()
        with pytest.raises(StoreError, match="cannot open"):
            failing.result()
    finally:
        failing.end()


def test_input_bytes_counts_until_enough_and_a_small_corpus_stays_below_the_threshold(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    assert 0 < input_bytes([corpus], ingest_module.ISOLATE_FROM_BYTES) < ingest_module.ISOLATE_FROM_BYTES
    assert input_bytes([corpus], 10) >= 10  # stops counting once it has enough


def test_a_phase_process_that_ends_without_a_result_is_a_phase_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    monkeypatch.setattr(phases.sys, "executable", shutil.which("false") or "/bin/false")
    with pytest.raises(phases.PhaseError, match="store process ended with exit code 1"):
        run_ingest([corpus], tmp_path / "store.duckdb", console=quiet(), workers=1, isolate=True)
