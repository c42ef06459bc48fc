"""`procurewatch ingest` as a user runs it: exit codes and messages for good, bad and wrong inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

RECORD = {
    "标题": "某县公安局治安卡口及车辆识别系统采购成交公告",
    "正文": "成交供应商：浙江大华技术股份有限公司，成交金额：1,280,000.00元。建设高清卡口12处。",
    "采购单位": "某县公安局",
    "成交金额": "1280000",
    "公告发布日期": "2024-07-09",
}


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "procurewatch.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )


def write_good(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({**RECORD, "标题": f"{RECORD['标题']}（第{i}包）"}, ensure_ascii=False) for i in range(3)
    ]
    (root / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "notice.txt").write_text(
        "某区雪亮工程视频监控点位扩建项目采购公告\n采购人：某区委政法委员会\n", encoding="utf-8"
    )


def write_bad(root: Path) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    bad = [root / "empty.txt", root / "junk.bin", root / "broken.json", root / "truncated.pdf"]
    bad[0].write_bytes(b"")
    bad[1].write_bytes(bytes(range(256)) * 8 + b"\x00\xff\xfe" * 300)
    bad[2].write_text('{"标题": "视频监控采购", "内容": "摄像机', encoding="utf-8")
    bad[3].write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<<"
    )
    return bad


def test_everything_lands_exit_0(tmp_path: Path) -> None:
    write_good(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    result = run_cli("ingest", tmp_path / "corpus", "--db", db)
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM notices").fetchone() == (4,)
    assert "notices added" in result.stderr


def test_bad_inputs_are_named_and_skipped_exit_3(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_good(corpus)
    bad = write_bad(corpus)
    db = tmp_path / "store.duckdb"
    result = run_cli("ingest", corpus, "--db", db)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    skipped_lines = [line for line in result.stderr.splitlines() if line.startswith("  ") and ": " in line]
    for path in bad:
        line = next((ln for ln in skipped_lines if str(path) in ln), None)
        assert line is not None, f"{path.name} not reported:\n{result.stderr}"
        assert line.split(f"{path}", 1)[1].lstrip("#0123456789").strip(": ")  # a reason follows the path
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM notices").fetchone() == (4,)
    statuses = dict(con.execute("SELECT path, status FROM files").fetchall())
    assert {Path(p).name for p, s in statuses.items() if s == "done"} == {"records.jsonl", "notice.txt"}
    assert {Path(p).name for p, s in statuses.items() if s == "skipped"} == {p.name for p in bad}


def test_missing_path_exit_2(tmp_path: Path) -> None:
    result = run_cli("ingest", tmp_path / "nowhere", "--db", tmp_path / "store.duckdb")
    assert result.returncode == 2
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr


def test_folder_without_files_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("ingest", tmp_path / "empty", "--db", tmp_path / "store.duckdb")
    assert result.returncode == 2
    assert "no input files" in result.stderr and "Traceback" not in result.stderr


def test_store_that_is_not_duckdb_exit_2(tmp_path: Path) -> None:
    write_good(tmp_path / "corpus")
    db = tmp_path / "notes.duckdb"
    db.write_text("my notes, not a database\n" * 50)
    result = run_cli("ingest", tmp_path / "corpus", "--db", db)
    assert result.returncode == 2
    assert "notes.duckdb" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_store_path_exit_2(tmp_path: Path) -> None:
    write_good(tmp_path / "corpus")
    (tmp_path / "a-file").write_text("x")
    result = run_cli("ingest", tmp_path / "corpus", "--db", tmp_path / "a-file" / "store.duckdb")
    assert result.returncode == 2
    assert "store.duckdb" in result.stderr and "Traceback" not in result.stderr


def test_store_in_use_by_another_process_exit_2(tmp_path: Path) -> None:
    write_good(tmp_path / "corpus")
    db = tmp_path / "store.duckdb"
    holder = duckdb.connect(str(db))  # like a running `procurewatch serve`
    try:
        result = run_cli("ingest", tmp_path / "corpus", "--db", db)
    finally:
        holder.close()
    assert result.returncode == 2
    assert "in use by another process" in result.stderr and "Traceback" not in result.stderr


def test_demo_ingests_the_bundled_examples(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    result = run_cli("demo", "--db", db)
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    (stored,) = con.execute("SELECT count(*) FROM notices").fetchone()
    con.close()
    assert stored >= 20  # the examples hold 20–50 notices
    again = run_cli("demo", "--db", db)
    assert again.returncode == 0
    assert "files unchanged" in again.stderr
