"""Ingest on a Dask cluster (a real scheduler and two worker processes on loopback) gives the store a
local ingest gives: the same notices and rows, the same files, the same procurements and report."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from procurewatch.errors import UsageError
from procurewatch.ingest import cluster, cluster_link, cluster_segments, shards
from procurewatch.ingest.reading import ReadStats
from procurewatch.ingest.runner import run_ingest
from procurewatch.ingest.shards import Shard, build_shard, plan_shards
from procurewatch.link import components
from procurewatch.processes import WORKER_GC_THRESHOLD
from procurewatch.query.filters import Filters
from procurewatch.report.tables import build_report
from procurewatch.store.db import memory_limit_for
from procurewatch.store.writer import StoreWriter
from search.answers import search_answers as answers_of

from .corpus import RECORDS, many_records, write_bad_inputs, write_jsonl
from .test_ingest import write_text_notices

pytest.importorskip("distributed")

NOTICE_TABLES = ["notices", "parties", "amounts", "findings", "vendor_mentions", "evidence", "items"]


def write_mixed_corpus(root: Path) -> Path:
    """Small text files, a big JSON Lines file (cut into line slices), a JSON array, a zip, bad files."""
    write_text_notices(root / "texts", 30)
    write_jsonl(root / "many.jsonl", many_records(80))
    (root / "array.json").write_text(json.dumps(many_records(95)[80:], ensure_ascii=False), encoding="utf-8")
    with zipfile.ZipFile(root / "packed.zip", "w") as packed:
        for i, record in enumerate(RECORDS):
            record = {**record, "标题": f"压缩包 {i}"}
            packed.writestr(f"inner/{i}.json", json.dumps(record, ensure_ascii=False))
        packed.writestr("inner/broken.json", '{"标题": "视频监控')
        # a notice with its attachment inside the archive (same stem): read together on the worker too
        packed.writestr("pages/n-9.html", "<html><head><title>某县公安局采购公告</title></head></html>")
        packed.writestr("pages/n-9_附件.rtf", r"{\rtf1\ansi Supply of number plate recognition cameras.}")
    write_bad_inputs(root / "bad")
    notices = root / "pages"  # a notice with its attachment beside it (same stem): read together
    notices.mkdir()
    (notices / "n-17.html").write_text(
        "<html><head><title>某市公安局设备采购公告</title></head><body><p>采购内容见附件。</p></body></html>",
        encoding="utf-8",
    )
    (notices / "n-17_附件1.rtf").write_text(
        r"{\rtf1\ansi Supply of facial recognition cameras for the city police.}", encoding="ascii"
    )
    return root


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()


def store_contents(db: Path) -> dict[str, list[tuple]]:
    out = {t: rows(db, f"SELECT * EXCLUDE (ingested_at) FROM {t}" if t == "notices" else f"SELECT * FROM {t}")
           for t in NOTICE_TABLES}  # fmt: skip
    out["files"] = rows(db, "SELECT path, size, mtime, status, notices, errors, error FROM files")
    out["procurements"] = rows(
        db,
        "SELECT string_agg(notice_id, ',' ORDER BY notice_id) FROM notice_links GROUP BY procurement_id",
    )
    return out


def report(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return build_report(con, Filters())
    finally:
        con.close()


@pytest.fixture()
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    # small shards and link units, so a small corpus spreads over both workers and big files are cut
    # into slices
    monkeypatch.setattr(shards, "WHOLE_FILE_MAX", 1000)
    monkeypatch.setattr(shards, "SHARD_FILES", 7)
    monkeypatch.setattr(shards, "SHARD_LINES", 25)
    monkeypatch.setattr(components.plan_components, "__defaults__", (10,))


def _corpus_ingested_locally(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The mixed corpus, ingested locally into `local.duckdb`; and where its cluster store goes."""
    corpus = write_mixed_corpus(tmp_path / "corpus")
    local_db, cluster_db = tmp_path / "local.duckdb", tmp_path / "cluster.duckdb"
    run_ingest([corpus], local_db, batch_size=9, workers=1)
    return corpus, local_db, cluster_db


def test_cluster_ingest_gives_the_store_a_local_ingest_gives(tmp_path: Path, small_shards: None) -> None:
    corpus = write_mixed_corpus(tmp_path / "corpus")
    local_db, cluster_db = tmp_path / "local.duckdb", tmp_path / "cluster.duckdb"
    local = run_ingest([corpus], local_db, batch_size=9, workers=1)
    distributed = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")

    assert distributed.workers == 2
    assert any("shard(s) on 2 cluster worker(s)" in note for note in distributed.notes)
    assert any(note.startswith("linked ") and "unit(s) on the cluster" in note for note in distributed.notes)
    assert not distributed.warnings
    assert (distributed.notices_added, distributed.errors) == (local.notices_added, local.errors)
    assert local.notices_added == 30 + 80 + 15 + 5 + 1 + 1
    attached = "SELECT count(*) FROM notices WHERE attachments LIKE '%facial recognition%'"
    assert rows(cluster_db, attached) == [(1,)]
    in_archive = "SELECT count(*) FROM notices WHERE attachments LIKE '%number plate recognition%'"
    assert rows(cluster_db, in_archive) == rows(local_db, in_archive) == [(1,)]
    assert store_contents(cluster_db) == store_contents(local_db)
    assert report(cluster_db) == report(local_db)
    parts = tmp_path / "cluster.duckdb.parts"
    assert not parts.exists() or not any(parts.iterdir())  # part files go once their rows are stored

    again = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")
    assert again.notices_added == 0  # idempotent, like the local path
    assert store_contents(cluster_db) == store_contents(local_db)


def test_part_files_on_the_clients_disk_are_read_by_duckdb_not_loaded_here(
    tmp_path: Path, small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)

    def not_here(dataset: str, shard_id: str) -> None:
        raise AssertionError("the client loaded a shard's rows into Arrow")

    monkeypatch.setattr(cluster, "read_shard_tables", not_here)
    distributed = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")
    assert not distributed.warnings
    assert store_contents(cluster_db) == store_contents(local_db)
    assert report(cluster_db) == report(local_db)


QUERIES = ["视频监控", "人脸", "公安局 采购", '"facial recognition"', "cameras", "监控 -人脸", "压缩包"]


def search_answers(db: Path) -> dict[str, object]:
    return answers_of(db, QUERIES)


def test_notices_indexed_on_the_workers_search_as_if_indexed_here(tmp_path: Path, small_shards: None) -> None:
    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)
    distributed = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")

    assert any("indexed on the workers" in note for note in distributed.notes), distributed.notes
    assert distributed.indexed == 0  # nothing left for the index step: every shard came whole
    # the 11 shards' segments merged into one on a worker, adopted as it is: the client merged nothing
    assert any("(1 segment(s), 1 of them merged there" in note for note in distributed.notes)
    meta = json.loads((cluster_db.with_name("cluster.duckdb.index") / "meta.json").read_text())
    assert len(meta["segments"]) == 1
    assert not list(cluster_db.parent.glob("cluster.duckdb.parts/group-*"))  # removed once adopted
    local = search_answers(local_db)
    assert local["documents"] == rows(local_db, "SELECT count(*) FROM notices")[0][0]
    assert all(local[query] for query in QUERIES[:5])
    assert search_answers(cluster_db) == local

    again = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")  # nothing new: nothing adopted
    assert again.notices_added == 0
    assert search_answers(cluster_db) == local


def test_a_big_merge_not_finished_when_every_shard_is_stored_is_not_waited_for(
    tmp_path: Path, small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merge of every shard's segment (a group over the bound, lowered here) held back on its worker
    until the client has picked what to adopt: the client adopts the shards' own segments instead, and
    the store and its searches are the local ones. The workers are threads here, to see the patch."""
    from distributed import LocalCluster

    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)
    release = threading.Event()
    adoptable = cluster_segments.SegmentTree.adoptable

    def held_back(dataset: str, group: str, held: dict[str, list[str]]) -> None:
        release.wait(60)
        raise RuntimeError("a merge given up went on")

    def then_released(self, stored_whole):  # type: ignore[no-untyped-def]
        try:
            return adoptable(self, stored_whole)
        finally:
            release.set()

    monkeypatch.setattr(cluster_segments, "WAIT_AT_MOST", 10)
    monkeypatch.setattr(cluster_segments, "merge_segments_apart", held_back)
    monkeypatch.setattr(cluster_segments.SegmentTree, "adoptable", then_released)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as local:
        started = time.monotonic()
        distributed = run_ingest([corpus], cluster_db, batch_size=9, cluster=local.scheduler_address)
    assert time.monotonic() - started < 60
    assert any("1 merge(s) of more than 10 notices' segments" in note for note in distributed.notes)
    assert not any("failed" in note for note in distributed.notes), distributed.notes
    assert any(" 0 of them merged there" in note for note in distributed.notes)
    assert distributed.indexed == 0  # every shard's own segment adopted
    meta = json.loads((cluster_db.with_name("cluster.duckdb.index") / "meta.json").read_text())
    assert len(meta["segments"]) == 1  # merged by the client's own commit: tantivy merges 8 like-sized
    assert store_contents(cluster_db) == store_contents(local_db)
    assert search_answers(cluster_db) == search_answers(local_db)


def test_a_shard_holding_notices_stored_before_is_indexed_here(tmp_path: Path, small_shards: None) -> None:
    corpus = write_mixed_corpus(tmp_path / "corpus")
    cluster_db = tmp_path / "cluster.duckdb"
    run_ingest([corpus / "texts"], cluster_db, batch_size=9, workers=1)  # stored and indexed here
    later = time.time() + 60
    for path in sorted((corpus / "texts").glob("*.txt"))[:3]:  # read again: their notices are stored
        os.utime(path, (later, later))
    distributed = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")

    assert any("indexed on the workers" in note for note in distributed.notes)
    assert distributed.indexed > 0  # the shard that met stored notices: its new notices indexed here
    (stored,) = rows(cluster_db, "SELECT count(*) FROM notices")[0]
    assert search_answers(cluster_db)["documents"] == stored  # no notice indexed twice


def test_shards_finished_before_a_crash_are_not_built_again(
    tmp_path: Path, small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)
    dataset = str(tmp_path / "parts")
    plan = [item for item in plan_shards([corpus], {}, ReadStats()) if isinstance(item, Shard)]
    assert len(plan) >= 6
    for shard in plan[:3]:  # a client that died after three shards were built
        build_shard(shard, None, dataset)

    real_write = StoreWriter.write
    calls = {"n": 0}

    def dies_on_the_third_batch(self, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user stopped the client mid-run
        return real_write(self, batch)

    monkeypatch.setattr(StoreWriter, "write", dies_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2", dataset=dataset)
    monkeypatch.setattr(StoreWriter, "write", real_write)

    finished = shards.finished_shards(dataset, [s.id for s in plan])
    assert {s.id for s in plan[:3]} <= finished  # part files of the interrupted run are kept

    resumed = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2", dataset=dataset)
    assert any(f"{len(finished):,} finished by an earlier run were reused" in n for n in resumed.notes)
    assert store_contents(cluster_db) == store_contents(local_db)
    # segments of shards stored whole adopted, the rest indexed here: each notice once, scored alike
    assert any("indexed on the workers" in note for note in resumed.notes)
    assert search_answers(cluster_db) == search_answers(local_db)


def test_a_report_is_whole_or_absent(
    tmp_path: Path, small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies while writing a shard's report leaves the shard unfinished, not finished
    with an empty report (the report is written under another name, then moved into place)."""
    corpus = write_mixed_corpus(tmp_path / "corpus")
    dataset = str(tmp_path / "parts")
    shard = next(item for item in plan_shards([corpus], {}, ReadStats()) if isinstance(item, Shard))

    def dies_while_writing(self):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(shards.ShardReport, "to_json", dies_while_writing)
        with pytest.raises(KeyboardInterrupt):
            build_shard(shard, None, dataset)
    assert not (tmp_path / "parts" / shard.id / shards.REPORT).exists()
    assert shards.finished_shards(dataset, [shard.id]) == set()
    assert build_shard(shard, None, dataset).notices > 0


def test_a_worker_building_a_shard_collects_garbage_as_a_pools_worker_does(
    tmp_path: Path, small_shards: None
) -> None:
    corpus = write_mixed_corpus(tmp_path / "corpus")
    shard = next(item for item in plan_shards([corpus], {}, ReadStats()) if isinstance(item, Shard))
    before = gc.get_threshold()
    try:
        assert build_shard(shard, None, str(tmp_path / "parts")).notices > 0
        assert gc.get_threshold() == (WORKER_GC_THRESHOLD, *before[1:])
    finally:
        gc.set_threshold(*before)


def test_a_report_left_half_written_has_its_shard_built_again(tmp_path: Path, small_shards: None) -> None:
    """Reports an earlier version wrote in place, killed while writing: the client builds those shards
    again instead of failing on them."""
    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)
    dataset = tmp_path / "parts"
    plan = [item for item in plan_shards([corpus], {}, ReadStats()) if isinstance(item, Shard)]
    for shard in plan[:2]:
        build_shard(shard, None, str(dataset))
    (dataset / plan[0].id / shards.REPORT).write_text("")  # empty: killed just after opening it
    (dataset / plan[1].id / shards.REPORT).write_text('{"shard": "')  # cut off mid-write
    run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2", dataset=str(dataset))
    assert store_contents(cluster_db) == store_contents(local_db)


def test_part_files_give_the_writer_their_rows_size_as_arrow_tables(
    tmp_path: Path, small_shards: None
) -> None:
    """The writer checkpoints after so many bytes of rows: read by DuckDB from part files, a shard's rows
    count as they would have read into Arrow, so the checkpoints (and their memory) stay where they were."""
    corpus = write_mixed_corpus(tmp_path / "corpus")
    shard = next(item for item in plan_shards([corpus], {}, ReadStats()) if isinstance(item, Shard))
    dataset = str(tmp_path / "parts")
    assert build_shard(shard, None, dataset).notices > 0
    part_files = shards.local_part_files(dataset, shard.id)
    assert part_files is not None
    as_arrow = shards.read_shard_tables(dataset, shard.id)
    for name, part in part_files.items():
        assert part.rows == as_arrow[name].num_rows
        assert part.nbytes == pytest.approx(as_arrow[name].nbytes, rel=0.1, abs=64)


def test_a_shard_is_named_by_what_it_covers(tmp_path: Path, small_shards: None) -> None:
    corpus = write_mixed_corpus(tmp_path / "corpus")

    def ids(field_map: dict[str, str] | None = None) -> list[str]:
        return [i.id for i in plan_shards([corpus], {}, ReadStats(), field_map) if isinstance(i, Shard)]

    first = ids()
    assert first == ids()
    assert len(set(first)) == len(first)
    with_fields = ids({"标题": "title"})
    assert set(with_fields).isdisjoint(first)  # another field map means other notices


def test_a_shard_whose_segment_fails_keeps_its_part_files(
    tmp_path: Path, small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from procurewatch.search.shard_index import SegmentBuilder

    corpus = write_mixed_corpus(tmp_path / "corpus")
    shard = next(i for i in plan_shards([corpus], {}, ReadStats()) if isinstance(i, Shard) and i.slices)

    def broken(self, tables):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(SegmentBuilder, "add", broken)
    report = build_shard(shard, None, str(tmp_path / "parts"), 2**32)
    assert report.notices > 0 and report.indexed == 0
    assert report.index_error == "OSError: disk full"
    tables = shards.read_shard_tables(str(tmp_path / "parts"), shard.id)
    assert tables["notices"].num_rows == report.notices  # the notices go to the store all the same


@pytest.mark.parametrize("cluster", ["local:0", "local:x", "tcp://127.0.0.1:9"])
def test_a_cluster_that_cannot_be_used_is_a_usage_error(tmp_path: Path, cluster: str) -> None:
    corpus = write_mixed_corpus(tmp_path / "corpus")
    with pytest.raises(UsageError, match="--cluster"):
        run_ingest([corpus], tmp_path / "x.duckdb", cluster=cluster)


def test_the_command_line_refuses_a_dataset_without_a_cluster(tmp_path: Path) -> None:
    corpus = write_mixed_corpus(tmp_path / "corpus")
    done = subprocess.run(
        [sys.executable, "-m", "procurewatch.cli", "ingest", str(corpus), "--db", str(tmp_path / "x.duckdb"),
         "--dataset", str(tmp_path / "parts")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--dataset needs --cluster" in done.stderr


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LoopbackCluster:
    address: str
    workers: list[subprocess.Popen[bytes]]


@pytest.fixture()
def loopback() -> Iterator[LoopbackCluster]:
    """A real `dask scheduler` and two `dask worker` processes on loopback, as on several machines."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                       "--port", address.rsplit(":", 1)[1], "--dashboard-address", ":0"])  # fmt: skip
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
              "--no-nanny", "--host", "127.0.0.1", "--dashboard-address", ":0"]  # fmt: skip
    workers = [start(worker) for _ in range(2)]
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield LoopbackCluster(address, workers)
    finally:
        for process in [*workers, scheduler]:
            process.kill()
            process.wait()


@pytest.fixture()
def loopback_cluster(loopback: LoopbackCluster) -> str:
    return loopback.address


def test_a_worker_killed_mid_run_costs_nothing_on_a_scheduler_started_apart(
    tmp_path: Path, small_shards: None, loopback: LoopbackCluster
) -> None:
    """`dask scheduler` and two `dask worker` processes, as on several machines; one is killed mid-run."""
    import threading

    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)
    address, workers = loopback.address, loopback.workers
    dataset = tmp_path / "parts"

    def kill_a_worker_after_the_first_shard() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(dataset.glob("*/report.json")):
            time.sleep(0.05)
        workers[0].kill()
        killed_at.append(time.monotonic())

    killed_at: list[float] = []
    killer = threading.Thread(target=kill_a_worker_after_the_first_shard)
    killer.start()
    summary = run_ingest([corpus], cluster_db, batch_size=9, cluster=address, dataset=str(dataset))
    finished_at = time.monotonic()
    killer.join()
    assert killed_at and killed_at[0] < finished_at  # killed while the ingest ran
    assert summary.notices_added == 132
    assert store_contents(cluster_db) == store_contents(local_db)


def test_units_linked_before_the_client_died_are_not_linked_again(
    tmp_path: Path, small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)
    real_store = cluster_link.store_unit_links

    def dies_before_storing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # the user stopped the client once every unit was linked

    monkeypatch.setattr(cluster_link, "store_unit_links", dies_before_storing)
    with pytest.raises(KeyboardInterrupt):
        run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")
    assert rows(cluster_db, "SELECT count(*) FROM notice_links") == [(0,)]  # all units or none
    monkeypatch.setattr(cluster_link, "store_unit_links", real_store)
    resumed = run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")
    assert any("linked by an earlier run were reused" in note for note in resumed.notes)
    assert store_contents(cluster_db) == store_contents(local_db)
    assert report(cluster_db) == report(local_db)
    assert not list((tmp_path / "cluster.duckdb.parts").glob("link-*"))  # gone once committed


def answers(db: Path) -> dict[str, object]:
    """What a reader gets: notices, findings, procurements as sets of member notices, report totals."""
    return {
        "notices": rows(db, "SELECT * EXCLUDE (ingested_at) FROM notices"),
        "findings": rows(db, "SELECT * FROM findings"),
        "procurements": rows(
            db,
            "SELECT string_agg(notice_id, ',' ORDER BY notice_id) FROM notice_links GROUP BY procurement_id",
        ),
        "report": report(db),
    }


def ingest_both_ways(paths: list[Path], tmp_path: Path, cluster: str) -> tuple[dict, dict]:
    quiet = Console(quiet=True)
    local_db, cluster_db = tmp_path / "local.duckdb", tmp_path / "cluster.duckdb"
    run_ingest(paths, local_db, console=quiet, workers=2)
    distributed = run_ingest(paths, cluster_db, console=quiet, cluster=cluster)
    assert not distributed.warnings
    assert any("unit(s) on the cluster" in note for note in distributed.notes)
    return answers(local_db), answers(cluster_db)


@pytest.mark.shared
def test_the_shared_data_ingested_on_a_cluster_gives_the_local_answers(
    shared_data: Path, tmp_path: Path, loopback_cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(components.plan_components, "__defaults__", (500,))  # several units per worker
    paths = [shared_data / "eval-dev" / "docs", shared_data / "dev2" / "docs", shared_data / "bulk"]
    local, distributed = ingest_both_ways(paths, tmp_path, loopback_cluster)
    assert len(local["notices"]) > 1000
    assert distributed == local


@pytest.mark.skipif(os.environ.get("PROCUREWATCH_SLOW") != "1", reason="200,000 notices: PROCUREWATCH_SLOW=1")
def test_200000_notices_ingested_on_a_cluster_give_the_local_answers(
    tmp_path: Path, loopback_cluster: str
) -> None:
    import importlib.util

    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path.insert(0, str(bench))  # bench/ingest.py: scraped records varied into new notices
    spec = importlib.util.spec_from_file_location("bench_ingest", bench / "ingest.py")
    assert spec and spec.loader
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    corpus.write_corpus(tmp_path / "corpus", 200_000, ocds=False)
    local, distributed = ingest_both_ways([tmp_path / "corpus"], tmp_path, loopback_cluster)
    assert len(local["notices"]) == 200_000
    assert distributed == local


def test_the_units_are_written_and_their_links_stored_under_duckdbs_limit_for_the_store(
    tmp_path: Path, small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a limit DuckDB held the whole sorted read of the units' rows and the links' transaction;
    a limit too small for a step has the step done again without it."""
    corpus, local_db, cluster_db = _corpus_ingested_locally(tmp_path)
    limits: list[str] = []
    real_export, real_store = cluster_link.export_units, cluster_link.store_unit_links

    def export_units(con, *args, **kwargs):  # type: ignore[no-untyped-def]
        limits.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        if len(limits) == 1:
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return real_export(con, *args, **kwargs)

    def store_unit_links(con, *args, **kwargs):  # type: ignore[no-untyped-def]
        limits.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return real_store(con, *args, **kwargs)

    monkeypatch.setattr(cluster_link, "export_units", export_units)
    monkeypatch.setattr(cluster_link, "store_unit_links", store_unit_links)
    run_ingest([corpus], cluster_db, batch_size=9, cluster="local:2")
    stored = rows(cluster_db, "SELECT count(*) FROM notices")[0][0]
    [(own,)] = (
        duckdb.connect(":memory:")
        .execute(f"SET memory_limit = '{memory_limit_for(stored)}B'; SELECT current_setting('memory_limit')")
        .fetchall()
    )
    assert limits[0] == own and limits[2] == own  # writing the units and storing their links
    assert limits[1] != own  # the writing that ran short was done again without the limit
    assert store_contents(cluster_db) == store_contents(local_db)
