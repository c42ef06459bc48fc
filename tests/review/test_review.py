"""Reviewers' decisions: recorded with who and when, applied to every figure, kept through re-ingest,
re-linking and index rebuilds, exported as labels and scored by bench/accuracy.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from procurewatch.cli import app, bundled_examples
from procurewatch.errors import UsageError
from procurewatch.query import counts
from procurewatch.query.filters import FILTERS, Filters, read_value
from procurewatch.query.reviewed import totals_with_reviewed
from procurewatch.review import decisions as rv
from procurewatch.review.labels import export_labels
from procurewatch.store.db import open_store
from procurewatch.store.tables import NOTICE_TABLES

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def ingest(folder: Path, db: Path) -> None:
    code, out = cli("ingest", folder, "--db", db, "--workers", "1")
    assert code == 0, out


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("review") / "examples.duckdb"
    ingest(bundled_examples(), db)
    return db


@pytest.fixture
def db(examples_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store.duckdb"
    shutil.copy(examples_db, copy)
    return copy


def one(db: Path, sql: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()


def linked_surveillance(db: Path) -> str:
    """A surveillance procurement of several notices (phases or re-posts)."""
    return one(db, "SELECT id FROM procurements WHERE relevant AND notices_all > 1 ORDER BY id LIMIT 1")


def not_surveillance(db: Path) -> str:
    return one(db, "SELECT id FROM procurements WHERE NOT relevant ORDER BY id LIMIT 1")


def surveillance_total(db: Path, **kw: bool) -> int:
    con = counts.connect(db)
    try:
        return sum(row["procurements"] for row in counts.totals(con, Filters(**kw)))
    finally:
        con.close()


def report_total(db: Path, *args: str) -> int:
    code, out = cli("report", "--db", db, "--format", "json", *args)
    assert code == 0, out
    start = out.index("{")
    report, _ = json.JSONDecoder().raw_decode(out[start:])
    return sum(row["procurements"] for row in report["sections"]["totals"])


def test_decide_list_export_round_trip(db: Path, tmp_path: Path):
    pid, other = linked_surveillance(db), not_surveillance(db)
    code, out = cli(
        "review", pid, "--confirm", "--category", "video_surveillance", "--category", "雪亮",
        "--role", "primary", "--note", "cameras for the county", "--reviewer", "ana", "--db", db,
    )  # fmt: skip
    assert code == 2 and "category='雪亮'" in out  # a category is a taxonomy id
    code, out = cli(
        "review", pid, "--confirm", "--category", "video_surveillance", "--category", "campaign_programs",
        "--role", "primary", "--note", "cameras for the county", "--reviewer", "ana", "--db", db,
    )  # fmt: skip
    assert code == 0, out
    assert f"{pid} confirmed by ana" in out
    code, out = cli("review", other, "--reject", "--note", "repairs", "--db", db)
    assert code == 0, out

    code, out = cli("review-list", "--db", db, "--format", "jsonl")
    assert code == 0, out
    listed = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [(d["procurement_id"], d["decision"]) for d in listed] == [(other, "rejected"), (pid, "confirmed")]
    first = listed[1]
    assert first["categories"] == ["video_surveillance", "campaign_programs"]
    assert (first["role"], first["note"], first["reviewer"]) == ("primary", "cameras for the county", "ana")
    assert datetime.fromisoformat(first["decided_at"].removesuffix("Z")) <= datetime.utcnow()
    assert listed[0]["reviewer"]  # the login name or PROCUREWATCH_REVIEWER when not given
    code, out = cli("review-list", "--db", db)
    assert code == 0 and "cameras for the county" in out and "2 decisions" in out

    labels_file = tmp_path / "labels.jsonl"
    code, out = cli("review-export", "--db", db, "-o", labels_file)
    assert code == 0, out
    labels = [json.loads(line) for line in labels_file.read_text("utf-8").splitlines()]
    con = duckdb.connect(str(db), read_only=True)
    want = con.execute(
        "SELECT n.path, n.locator, n.buyer, n.notice_type, n.province FROM notice_links l"
        " JOIN notices n ON n.id = l.notice_id WHERE l.procurement_id IN (?, ?) ORDER BY 1, 2",
        [pid, other],
    ).fetchall()
    con.close()
    assert (
        sorted((lb["path"], lb["locator"], lb["buyer"], lb["notice_type"], lb["province"]) for lb in labels)
        == want
    )
    mine = [lb for lb in labels if lb["procurement_id"] == pid]
    assert len(mine) > 1  # one line per notice of the procurement
    for lb in mine:
        assert lb["surveillance"] is True
        assert lb["categories"] == ["video_surveillance", "campaign_programs"]
        assert (lb["role"], lb["basis"], lb["confidence"], lb["stratum"]) == (
            "primary", "cameras for the county", "high", "review",
        )  # fmt: skip
        assert set(lb) >= {"suppliers", "amount", "country", "city", "lang", "reviewer", "decided_at"}
    rejected = [lb for lb in labels if lb["procurement_id"] == other]
    assert rejected and all(not lb["surveillance"] and lb["categories"] == [] for lb in rejected)


def test_the_latest_decision_counts_and_the_api_says_who_and_when(db: Path):
    pid, other = linked_surveillance(db), not_surveillance(db)
    first = rv.record(db, pid, "rejected", note="looked like maintenance", reviewer="bo")
    second = rv.record(db, pid, "confirmed", categories=["Video_Surveillance"], reviewer="ana")
    assert second.id == first.id + 1 and second.categories == ["video_surveillance"]
    con = open_store(db)
    found = rv.for_procurement(con, pid)
    assert [(d.decision, d.reviewer, d.counts) for d in found] == [
        ("confirmed", "ana", True),
        ("rejected", "bo", False),
    ]
    assert found[0].decided_at >= found[1].decided_at
    assert rv.for_procurement(con, other) == []
    con.close()
    assert surveillance_total(db, reviewed=True) == 1

    notice = one(
        db, f"SELECT max(notice_id) FROM notice_links WHERE procurement_id = '{pid}' AND notice_id <> '{pid}'"
    )
    assert rv.record(db, notice, "rejected").decided_on == pid  # a notice's id names its procurement
    assert surveillance_total(db, reviewed=True) == 0


def test_a_rejected_surveillance_procurement_drops_out_and_a_confirmed_one_counts(db: Path):
    before = surveillance_total(db)
    everything = surveillance_total(db, relevant_only=False)
    assert report_total(db) == before and report_total(db, "--reviewed") == 0

    rv.record(db, linked_surveillance(db), "rejected")
    assert surveillance_total(db) == before - 1
    assert report_total(db) == before - 1
    assert surveillance_total(db, relevant_only=False) == everything  # --all counts every procurement

    rv.record(db, not_surveillance(db), "confirmed", categories=["vehicle_anpr"])
    assert report_total(db) == before
    assert report_total(db, "--reviewed") == 1
    assert report_total(db, "--reviewed", "--all") == 1

    con = counts.connect(db)
    rows = totals_with_reviewed(con, Filters())
    assert sum(r["reviewed"] for r in rows) == 1 and sum(r["procurements"] for r in rows) == before
    rejected = counts.procurements(con, Filters(), limit=1000)
    assert linked_surveillance(db) not in {r["id"] for r in rejected}
    con.close()


def test_reviewed_is_a_filter_of_the_vocabulary():
    assert "reviewed" in FILTERS
    assert read_value("reviewed", "1") == "1" and read_value("reviewed", "no") == ""
    with pytest.raises(UsageError):
        read_value("reviewed", "maybe")
    assert Filters.read(reviewed=True).describe() == ["reviewed=True"]


def test_unknown_id_and_bad_usage_exit_2_without_a_traceback(db: Path, tmp_path: Path):
    for args in (
        ("review", "no-such-procurement", "--confirm", "--db", db),
        ("review", linked_surveillance(db), "--db", db),
        ("review", linked_surveillance(db), "--confirm", "--reject", "--db", db),
        ("review", linked_surveillance(db), "--reject", "--category", "iris", "--db", db),
        ("review", linked_surveillance(db), "--confirm", "--role", "main", "--db", db),
        ("review", "x", "--confirm", "--db", tmp_path / "none.duckdb"),
        ("review-list", "--db", tmp_path / "none.duckdb"),
        ("review-import", tmp_path / "none.jsonl", "--db", db),
    ):
        code, out = cli(*args)
        assert code == 2, (args, out)
        assert "Traceback" not in out and "error" in out.lower()
    code, out = cli("review", "no-such-procurement", "--confirm", "--db", db)
    assert "no procurement or notice 'no-such-procurement'" in out
    assert one(db, "SELECT count(*) FROM reviews") == 0


def test_a_store_in_use_refuses_a_decision_with_its_message(db: Path):
    hold = f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('open', flush=True); time.sleep(99)"
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "open"
        result = subprocess.run(
            [sys.executable, "-m", "procurewatch.cli", "review", "p", "--confirm", "--db", str(db)],
            capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2, result.stderr
    assert "in use by another process" in result.stderr and "Traceback" not in result.stderr


def test_decisions_survive_reingest_relinking_and_index_rebuild(db: Path, tmp_path: Path):
    pid, other = linked_surveillance(db), not_surveillance(db)
    title = one(db, f"SELECT title FROM procurements WHERE id = '{pid}'")
    rv.record(db, pid, "rejected", note="not cameras")
    rv.record(db, other, "confirmed", categories=["vehicle_anpr"])
    before = surveillance_total(db)

    ingest(bundled_examples(), db)  # the same files again: nothing added, decisions as they were
    code, out = cli("index", "--db", db, "--rebuild")
    assert code == 0, out
    assert surveillance_total(db) == before and surveillance_total(db, reviewed=True) == 1

    # re-linking gives the procurements other ids: decisions follow their notices
    con = open_store(db)
    con.execute("UPDATE notice_links SET procurement_id = 'relinked-' || procurement_id")
    con.execute("CREATE TABLE p2 AS SELECT * REPLACE ('relinked-' || id AS id) FROM procurements")
    con.execute("DELETE FROM procurements")
    con.execute("INSERT INTO procurements SELECT * FROM p2")
    con.execute("DROP TABLE p2")
    assert [d.decision for d in rv.for_procurement(con, f"relinked-{pid}")] == ["rejected"]
    assert {d.procurement_id for d in rv.decisions(con)} == {f"relinked-{pid}", f"relinked-{other}"}
    con.close()
    assert surveillance_total(db) == before and surveillance_total(db, reviewed=True) == 1

    # every notice ingested again from another folder (new notice ids, same content) into this store
    moved = tmp_path / "moved"
    shutil.copytree(bundled_examples(), moved)
    con = open_store(db)
    for table in (*NOTICE_TABLES, "notice_links", "procurements", "files"):
        con.execute(f"DELETE FROM {table}")
    con.close()
    ingest(moved, db)
    assert one(db, f"SELECT count(*) FROM notices WHERE path LIKE '{moved}%'") > 40
    assert surveillance_total(db) == before and surveillance_total(db, reviewed=True) == 1
    con = open_store(db)
    (now,) = [d.procurement_id for d in rv.decisions(con) if d.decision == "rejected"]
    assert now != pid  # new notice ids, new procurement ids
    assert con.execute("SELECT title FROM procurements WHERE id = ?", [now]).fetchone() == (title,)
    assert [d.decision for d in rv.for_procurement(con, now)] == ["rejected"]
    con.close()


def test_decisions_carried_into_a_fresh_store_and_scored_by_the_benchmark(db: Path, tmp_path: Path):
    pid, other = linked_surveillance(db), not_surveillance(db)
    rv.record(db, pid, "rejected", note="not cameras", reviewer="ana")
    rv.record(db, other, "confirmed", categories=["vehicle_anpr"], role="component", reviewer="bo")
    before = surveillance_total(db)
    labels_file = tmp_path / "labels.jsonl"
    con = open_store(db)
    lines = export_labels(con, labels_file)
    con.close()

    moved = tmp_path / "moved"
    shutil.copytree(bundled_examples(), moved)
    fresh = tmp_path / "fresh.duckdb"
    ingest(moved, fresh)
    code, out = cli("review-import", labels_file, "--db", fresh)
    assert code == 0 and "recorded 2 decisions" in out, out
    code, out = cli("review-import", labels_file, "--db", fresh)
    assert code == 0 and "recorded 0 decisions; skipped 2" in out, out
    assert surveillance_total(fresh) == before and surveillance_total(fresh, reviewed=True) == 1
    con = open_store(fresh)
    found = {d.reviewer: d for d in rv.decisions(con)}
    con.close()
    assert found["bo"].categories == ["vehicle_anpr"] and found["bo"].role == "component"
    assert found["ana"].note == "not cameras"

    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "accuracy.py"), "--reviews", str(labels_file)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"{lines} labelled files, {lines} read, 0 unread" in result.stdout
