"""The writer on hand-built notices: every table gets exactly the rows of its notices, once."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from procurewatch.ingest.chunks import notice_tables
from procurewatch.model import (
    Amount,
    CategoryFinding,
    Evidence,
    Notice,
    Party,
    Place,
    Surveillance,
    VendorMention,
)
from procurewatch.store import writer as writer_module
from procurewatch.store.arrow_tables import SCHEMAS, to_tables
from procurewatch.store.db import checkpoint_memory_limit_for, open_store
from procurewatch.store.tables import TABLE
from procurewatch.store.writer import BackgroundWriter, Batch, FileRow, PartFile, StoreWriter

TITLE = "瑶海分局视频监控系统中标公告"
BODY = "中标供应商：杭州海康威视数字技术股份有限公司，采购人脸识别抓拍机。"


def surveillance_notice(nid: str = "n1") -> Notice:
    face = BODY.index("人脸识别")
    return Notice(
        id=nid,
        fingerprint="fp-" + nid,
        path="a.jsonl",
        locator="0",
        kind="record",
        title=TITLE,
        body=BODY,
        notice_type="award",
        published="2024-04-17",
        project_code="HFZC2024-0417-JK",
        buyer=Party("合肥市公安局瑶海分局"),
        suppliers=[Party("杭州海康威视数字技术股份有限公司", vendor="hikvision"), Party("某集成商")],
        amount=Amount(4376770.0, "CNY", "award"),
        amounts=[Amount(4376770.0, "CNY", "award"), Amount(5000000.0, "CNY", "budget")],
        place=Place(country="CN", province="安徽省", city="合肥市", district="瑶海区", admin_code="340102"),
        language="zh",
        items=[{"description": "抓拍机", "scheme": "CPV", "id": "32323500"}],
        surveillance=Surveillance(
            relevant=True,
            score=0.9,
            categories=[
                CategoryFinding(
                    "video_surveillance",
                    0.9,
                    [Evidence("title", 5, 9, TITLE[5:9]), Evidence("body", face, face + 4, "人脸识别")],
                ),
                CategoryFinding("facial_recognition", 0.8, [Evidence("body", face, face + 4, "人脸识别")]),
            ],
        ),
        vendors_mentioned=[VendorMention("hikvision", [Evidence("body", 6, 10, BODY[6:10])])],
    )


def plain_notice(nid: str = "n2") -> Notice:
    return Notice(
        id=nid,
        fingerprint="fp-" + nid,
        path="b.txt",
        locator="",
        kind="text",
        title="食堂设备",
        body="冷藏柜",
    )


def batch_of(*notices: Notice, files: list[FileRow] | None = None) -> Batch:
    batch = Batch()
    batch.add(to_tables(notice_tables(list(notices))), [n.id for n in notices])
    batch.files.extend(files or [])
    return batch


def counts(con) -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = ["notices", "parties", "amounts", "findings", "vendor_mentions", "evidence", "items", "files"]
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in names}


@pytest.fixture
def con(tmp_path: Path):  # type: ignore[no-untyped-def]
    con = open_store(tmp_path / "store.duckdb")
    yield con
    con.close()


def test_every_table_gets_the_rows_of_its_notices(con) -> None:  # type: ignore[no-untyped-def]
    row = FileRow("a.jsonl", 10, 1.5, "done", 1, 0, None)
    added = StoreWriter(con).write(batch_of(surveillance_notice(), plain_notice(), files=[row]))
    assert added == 2
    assert counts(con) == {
        "notices": 2,
        "parties": 3,  # buyer + two suppliers
        "amounts": 2,
        "findings": 2,
        "vendor_mentions": 1,
        "evidence": 4,  # 2 + 1 category evidence, 1 vendor evidence
        "items": 1,
        "files": 1,
    }
    n = con.execute(
        "SELECT published, buyer, province, admin_code, amount_value, amount_kind, relevant, title_match"
        " FROM notices WHERE id = 'n1'"
    ).fetchone()
    assert str(n[0]) == "2024-04-17"
    assert n[1:] == ("合肥市公安局瑶海分局", "安徽省", "340102", 4376770.0, "award", True, True)
    assert con.execute("SELECT title_match, relevant FROM notices WHERE id = 'n2'").fetchone() == (
        False,
        False,
    )
    # evidence offsets still point at the words they quote
    for field, start, end, text in con.execute(
        "SELECT field, start_offset, end_offset, text FROM evidence WHERE notice_id = 'n1'"
    ).fetchall():
        assert {"title": TITLE, "body": BODY}[field][start:end] == text
    assert con.execute(
        "SELECT role, position, name, vendor FROM parties WHERE notice_id = 'n1' ORDER BY role, position"
    ).fetchall() == [
        ("buyer", 0, "合肥市公安局瑶海分局", None),
        ("supplier", 0, "杭州海康威视数字技术股份有限公司", "hikvision"),
        ("supplier", 1, "某集成商", None),
    ]


def test_rewriting_a_stored_notice_adds_nothing(con) -> None:  # type: ignore[no-untyped-def]
    writer = StoreWriter(con)
    writer.write(batch_of(surveillance_notice()))
    before = counts(con)
    assert writer.write(batch_of(surveillance_notice(), plain_notice())) == 1
    after = counts(con)
    assert after["notices"] == before["notices"] + 1
    # the stored notice's child rows are not duplicated
    assert after["parties"] == before["parties"] and after["evidence"] == before["evidence"]


def test_a_rerun_writing_stored_notices_again_keeps_one_copy_and_the_file_row(con) -> None:  # type: ignore[no-untyped-def]
    StoreWriter(con).write(batch_of(surveillance_notice()))
    rerun = StoreWriter(con)  # a new run: its first batch goes in as a plain INSERT, refused by n1
    row = FileRow("a.jsonl", 10, 1.5, "done", 2, 0, None)
    assert rerun.write(batch_of(surveillance_notice(), plain_notice(), files=[row])) == 1
    assert rerun.write(batch_of(surveillance_notice(), plain_notice("n3"))) == 1
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM notices").fetchone() == (3, 3)
    assert counts(con)["parties"] == 3 and counts(con)["files"] == 1


def test_same_notice_twice_in_one_batch_is_written_once(con) -> None:  # type: ignore[no-untyped-def]
    batch = Batch()
    for _ in range(2):
        batch.add(to_tables(notice_tables([surveillance_notice()])), ["n1"])
    assert batch.notices == 1
    StoreWriter(con).write(batch)
    assert counts(con)["notices"] == 1
    assert counts(con)["parties"] == 3


def test_a_failing_batch_leaves_nothing_behind(con, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def boom(self, tables, added, everything_new) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(StoreWriter, "_insert_children", boom)
    with pytest.raises(RuntimeError):
        StoreWriter(con).write(batch_of(surveillance_notice()))
    assert all(v == 0 for v in counts(con).values())


def test_bad_date_is_stored_as_null(con) -> None:  # type: ignore[no-untyped-def]
    notice = plain_notice()
    notice.published = "2024-13-45"
    StoreWriter(con).write(batch_of(notice))
    assert con.execute("SELECT published FROM notices").fetchone() == (None,)


def test_a_batch_that_runs_out_of_memory_is_written_again_without_the_limit(
    con, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    insert_children = StoreWriter._insert_children
    calls = []

    def out_of_memory_once(self, tables, added, everything_new) -> None:  # type: ignore[no-untyped-def]
        calls.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        if len(calls) == 1:
            raise duckdb.OutOfMemoryException(
                "Out of Memory Error: could not allocate block of size 256.0 KiB"
            )
        insert_children(self, tables, added, everything_new)

    monkeypatch.setattr(StoreWriter, "_insert_children", out_of_memory_once)
    writer = StoreWriter(con)
    assert writer.write(batch_of(surveillance_notice(), plain_notice())) == 2
    assert writer.unlimited and calls[0] != calls[1]  # the second try under DuckDB's own limit
    assert counts(con)["notices"] == 2 and counts(con)["parties"] == 3


def test_a_batch_that_runs_out_of_memory_twice_fails_and_leaves_nothing(
    con, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    def out_of_memory(self, tables, added, everything_new) -> None:  # type: ignore[no-untyped-def]
        raise duckdb.OutOfMemoryException("Out of Memory Error")

    monkeypatch.setattr(StoreWriter, "_insert_children", out_of_memory)
    with pytest.raises(duckdb.OutOfMemoryException):
        StoreWriter(con).write(batch_of(surveillance_notice()))
    assert all(v == 0 for v in counts(con).values())


def test_the_writer_checkpoints_after_enough_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "store.duckdb"
    con = open_store(db)
    try:
        writer = StoreWriter(con)
        writer.write(batch_of(plain_notice("n1")))
        log = Path(f"{db}.wal")
        assert log.exists() and log.stat().st_size > 0  # one small batch stays in DuckDB's log
        monkeypatch.setattr(writer_module, "CHECKPOINT_AFTER_BYTES", 1)
        writer.write(batch_of(plain_notice("n2")))
        assert not log.exists() or log.stat().st_size == 0  # written into the store file
    finally:
        con.close()


class _CheckpointOutOfMemory:
    """A connection whose first `failures` CHECKPOINTs run out of memory; it notes each one's limit."""

    def __init__(self, con: duckdb.DuckDBPyConnection, failures: int) -> None:
        self.con = con
        self.failures = failures
        self.limits: list[str] = []

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if sql == "CHECKPOINT":
            [(limit,)] = self.con.execute("SELECT current_setting('memory_limit')").fetchall()
            self.limits.append(limit)
            if len(self.limits) <= self.failures:
                raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return self.con.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.con, name)


def _mib(setting: str) -> float:
    number, unit = setting.split()
    assert unit == "MiB"
    return float(number)


def test_a_checkpoint_runs_under_its_own_limit_then_the_storing_limit_is_back(con) -> None:  # type: ignore[no-untyped-def]
    proxy = _CheckpointOutOfMemory(con, failures=0)
    writer = StoreWriter(proxy)  # type: ignore[arg-type]
    writer.write(batch_of(surveillance_notice()))
    [(storing,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    writer.checkpoint()
    [limit] = proxy.limits
    assert _mib(limit) == pytest.approx(checkpoint_memory_limit_for(1) / 2**20, rel=0.01)
    assert _mib(limit) < _mib(storing)
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [(storing,)]


def test_a_checkpoint_short_of_its_limit_is_done_again_under_the_storing_limit(con) -> None:  # type: ignore[no-untyped-def]
    proxy = _CheckpointOutOfMemory(con, failures=1)
    writer = StoreWriter(proxy)  # type: ignore[arg-type]
    writer.write(batch_of(surveillance_notice()))
    [(storing,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    writer.checkpoint()
    assert len(proxy.limits) == 2 and proxy.limits[1] == storing and not writer.unlimited
    assert counts(con)["notices"] == 1 and counts(con)["parties"] == 3


def test_a_checkpoint_that_runs_out_of_memory_is_done_again_without_the_limit(con) -> None:  # type: ignore[no-untyped-def]
    proxy = _CheckpointOutOfMemory(con, failures=2)
    writer = StoreWriter(proxy)  # type: ignore[arg-type]
    writer.write(batch_of(surveillance_notice()))
    writer.checkpoint()
    assert len(proxy.limits) == 3 and writer.unlimited
    assert counts(con)["notices"] == 1 and counts(con)["parties"] == 3


class _InvalidatedByCheckpoint(_CheckpointOutOfMemory):
    """A connection whose first CHECKPOINT fails as DuckDB's fatal error does: every statement after it
    fails too, as on a database DuckDB has invalidated."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__(con, failures=0)
        self.invalid = False

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if self.invalid:
            raise duckdb.FatalException("FATAL Error: Failed: database has been invalidated")
        if sql == "CHECKPOINT":
            self.invalid = True
            raise duckdb.FatalException("FATAL Error: Failed to create checkpoint: could not allocate block")
        return self.con.execute(sql, *args)


def test_a_checkpoint_that_invalidates_the_database_is_done_again_on_the_store_opened_again(
    tmp_path: Path,
) -> None:
    db = tmp_path / "store.duckdb"
    proxy = _InvalidatedByCheckpoint(open_store(db))
    writer = StoreWriter(proxy, reopen=lambda: open_store(db))  # type: ignore[arg-type]
    writer.write(batch_of(surveillance_notice(), plain_notice()))
    writer.checkpoint()
    try:
        assert writer.con is not proxy and writer.unlimited
        assert writer.stored == 2 and counts(writer.con)["parties"] == 3
        log = Path(f"{db}.wal")
        assert not log.exists() or log.stat().st_size == 0  # checkpointed on the store opened again
        assert writer.write(batch_of(plain_notice("n3"))) == 1
    finally:
        writer.con.close()
        proxy.con.close()


def test_without_a_way_to_reopen_the_store_the_fatal_error_is_raised(con) -> None:  # type: ignore[no-untyped-def]
    writer = StoreWriter(_InvalidatedByCheckpoint(con))  # type: ignore[arg-type]
    writer.write(batch_of(plain_notice()))
    with pytest.raises(duckdb.FatalException):
        writer.checkpoint()


def test_a_batch_whose_commit_runs_short_of_a_small_limit_is_stored_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real DuckDB under 4 MiB: with this batch, DuckDB 2.0's COMMIT fails for want of memory and
    invalidates the database; the writer opens the store again and commits the batch without the limit."""
    monkeypatch.setattr(writer_module, "storing_memory_limit_for", lambda stored: 4 * 2**20)
    db = tmp_path / "store.duckdb"
    notices = [plain_notice(f"n{i}") for i in range(5000)]
    for notice in notices:
        notice.body = "冷藏柜" * 50 + notice.id
    first = open_store(db)
    writer = StoreWriter(first, reopen=lambda: open_store(db))
    try:
        assert writer.write(batch_of(*notices)) == 5000 and writer.unlimited
        writer.checkpoint()
    finally:
        writer.con.close()
        first.close()
    again = open_store(db)
    try:
        assert counts(again)["notices"] == 5000
    finally:
        again.close()


def test_no_batch_is_written_after_one_that_failed(con, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    insert_children = StoreWriter._insert_children

    def fails_on_n2(self, tables, added, everything_new) -> None:  # type: ignore[no-untyped-def]
        if "n2" in added:
            raise RuntimeError("disk full")
        insert_children(self, tables, added, everything_new)

    monkeypatch.setattr(StoreWriter, "_insert_children", fails_on_n2)
    background = BackgroundWriter(StoreWriter(con), batch_size=1)  # room for every batch in the queue
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            for nid in ("n1", "n2", "n3", "n4"):
                background.submit(batch_of(plain_notice(nid)))
            background.wait()
    finally:
        background.close()
    assert con.execute("SELECT id FROM notices").fetchall() == [("n1",)]
    assert background.added == 1


def test_a_statement_failing_under_a_setting_raises_its_own_error_inside_a_transaction() -> None:
    import duckdb as db

    from procurewatch.store.db import memory_limited, one_thread

    con = db.connect()
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(db.InvalidInputException), one_thread(con):  # not the aborted transaction's refusal
        con.execute("SELECT error('out of memory, say')").fetchall()
    con.execute("ROLLBACK")
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(db.InvalidInputException), memory_limited(con, 64 * 2**20):
        con.execute("SELECT error('out of memory, say')").fetchall()
    con.execute("ROLLBACK")
    fresh = db.connect()
    [before] = fresh.execute("SELECT current_setting('threads')").fetchall()
    with pytest.raises(db.InvalidInputException), one_thread(fresh):  # no transaction: restored as before
        fresh.execute("SELECT error('out of memory, say')").fetchall()
    assert fresh.execute("SELECT current_setting('threads')").fetchall() == [before]


def part_files_of(folder: Path, *notices: Notice) -> dict[str, PartFile]:
    """The notices' rows written as a cluster shard writes them: one Parquet file a store table."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = to_tables(notice_tables(list(notices)))
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    return {name: PartFile.of(str(folder / f"{name}.parquet")) for name in tables}


def every_row(con) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every table's rows in the order they were stored (the time a row was written left out)."""
    out = {}
    for name in SCHEMAS:
        columns = [c.name for c in TABLE[name].columns if c.name != "ingested_at"]
        out[name] = con.execute(f"SELECT {', '.join(columns)} FROM {name} ORDER BY rowid").fetchall()
    return out


def test_part_files_are_stored_as_the_tables_they_hold(tmp_path: Path) -> None:
    pieces = [
        [surveillance_notice("n1"), plain_notice("n2")],
        [plain_notice("n3")],
        [surveillance_notice("n4")],
        [surveillance_notice("n5")],
    ]
    from_tables, from_files = open_store(tmp_path / "a.duckdb"), open_store(tmp_path / "b.duckdb")
    try:
        for con, on_disk in ((from_tables, (False,) * 4), (from_files, (True, True, False, True))):
            # two part files read by one INSERT, then Arrow rows, then a part file: rows stay in input order
            batch = Batch()
            for number, (notices, disk) in enumerate(zip(pieces, on_disk, strict=True)):
                ids = [n.id for n in notices]
                if disk:
                    batch.add({}, ids, f"shard{number}", part_files_of(tmp_path / f"s{number}", *notices))
                else:
                    batch.add(to_tables(notice_tables(notices)), ids, f"shard{number}")
            assert StoreWriter(con).write(batch) == 5
        assert every_row(from_files) == every_row(from_tables)
        assert every_row(from_files)["evidence"]  # the child tables were written too
    finally:
        from_tables.close()
        from_files.close()


def test_part_files_repeating_notices_of_their_batch_add_only_the_others(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    batch = batch_of(surveillance_notice("n1"))
    again = part_files_of(tmp_path / "s", surveillance_notice("n1"), plain_notice("n2"))
    batch.add({}, ["n1", "n2"], "shard", again)
    assert batch.whole == [] and StoreWriter(con).write(batch) == 2
    assert counts(con)["notices"] == 2 and counts(con)["parties"] == 3


def test_part_files_meeting_stored_notices_add_only_the_others(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    writer = StoreWriter(con)
    writer.write(batch_of(surveillance_notice("n1")))
    batch = Batch()
    batch.add(
        {},
        ["n1", "n2"],
        "shard",
        part_files_of(tmp_path / "s", surveillance_notice("n1"), plain_notice("n2")),
    )
    assert writer.write(batch) == 1
    assert counts(con)["notices"] == 2 and counts(con)["parties"] == 3


def test_a_part_file_without_its_arrow_size_is_measured_by_reading_it(tmp_path: Path) -> None:
    parts = part_files_of(tmp_path / "s", surveillance_notice("n1"), plain_notice("n2"))  # no size written
    tables = to_tables(notice_tables([surveillance_notice("n1"), plain_notice("n2")]))
    for name, part in parts.items():
        assert part.nbytes == pq.read_table(part.path).nbytes
        assert part.nbytes == pytest.approx(tables[name].nbytes, rel=0.1, abs=64)


def test_a_log_left_by_a_crash_is_checkpointed_when_the_writer_opens(tmp_path: Path) -> None:
    """Rows a crash left in DuckDB's log are replayed when the store is opened, then held until a
    checkpoint: the writer checkpoints them first, not together with its next CHECKPOINT_AFTER_BYTES."""
    db, crashed = tmp_path / "store.duckdb", tmp_path / "crashed.duckdb"
    con = open_store(db)
    try:
        StoreWriter(con).write(batch_of(surveillance_notice(), plain_notice()))
        # the files as a crash leaves them: the rows committed to the log, not yet to the store file
        shutil.copyfile(db, crashed)
        shutil.copyfile(f"{db}.wal", f"{crashed}.wal")
    finally:
        con.close()
    log = Path(f"{crashed}.wal")
    assert log.stat().st_size > 0
    con = open_store(crashed)
    try:
        writer = StoreWriter(con)
        assert not log.exists() or log.stat().st_size == 0
        assert writer.stored == 2 and counts(con)["parties"] == 3
        assert writer.write(batch_of(plain_notice("n3"))) == 1
    finally:
        con.close()
