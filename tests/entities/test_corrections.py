"""Organisations built by ingest, and a person's merges and splits kept through re-ingest and rebuilds."""

from __future__ import annotations

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from procurewatch.cli import app

runner = CliRunner()

AWARD = """<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<h2>{title}</h2><p>发布时间：{date}</p>
<p>采购人：{buyer}</p><p>中标供应商：{supplier}</p><p>中标金额：{amount}元</p>
<p>采购内容：视频监控摄像机及存储设备。</p></body></html>"""
CANDIDATES = """<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<h2>{title}</h2><p>发布时间：2021-03-01</p><p>采购人：宜昌市某某局</p>
<p>第一中标候选人：湖北甲乙科技有限公司</p><p>第二中标候选人：湖北丙丁科技有限公司</p>
<p>第三中标候选人：湖北戊己科技有限公司</p></body></html>"""


def cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def _corpus(folder: Path) -> None:
    rows = [
        (
            "a1.html",
            "某市公安局视频监控采购项目中标公告",
            "2020-05-01",
            "某市公安局",
            "浙江某某视讯科技股份有限公司",
        ),
        ("a2.html", "某市交通局卡口监控项目中标公告", "2020-06-01", "某市交通局", "浙江某某视讯科技有限公司"),
        ("a3.html", "某县公安局监控项目中标公告", "2021-06-01", "某县公安局", "某某视讯(浙江)有限公司"),
    ]
    for name, title, date, buyer, supplier in rows:
        _write(
            folder,
            name,
            AWARD.format(title=title, date=date, buyer=buyer, supplier=supplier, amount="980000"),
        )
    _write(folder, "c1.html", CANDIDATES.format(title="某某局监控项目中标候选人公示"))


def _org_of(db: Path, name: str) -> tuple[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT organisation_id, rule FROM organisation_names WHERE name = ?", [name]
        ).fetchone()
    finally:
        con.close()
    assert row, name
    return row[0], row[1]


def test_ingest_builds_organisations_and_keeps_candidates_apart(tmp_path: Path) -> None:
    _corpus(tmp_path / "in")
    db = tmp_path / "s.duckdb"
    code, out = cli("ingest", tmp_path / "in", "--db", db, "--workers", "1")
    assert code == 0, out
    assert _org_of(db, "浙江某某视讯科技股份有限公司")[0] == _org_of(db, "浙江某某视讯科技有限公司")[0]
    con = duckdb.connect(str(db), read_only=True)
    ranks = con.execute(
        "SELECT name, position FROM parties WHERE role = 'candidate' ORDER BY position"
    ).fetchall()
    stats = con.execute(
        """SELECT count(*) FROM organisation_stats s
           JOIN organisation_names n ON n.organisation_id = s.organisation_id
           WHERE n.name = '湖北丙丁科技有限公司'"""
    ).fetchone()
    con.close()
    assert ranks == [("湖北甲乙科技有限公司", 1), ("湖北丙丁科技有限公司", 2), ("湖北戊己科技有限公司", 3)]
    assert stats == (0,)  # a candidate is not counted as a supplier


def test_corrections_survive_reingest_and_new_files(tmp_path: Path) -> None:
    _corpus(tmp_path / "in")
    db = tmp_path / "s.duckdb"
    assert cli("ingest", tmp_path / "in", "--db", db, "--workers", "1")[0] == 0
    apart = "某某视讯(浙江)有限公司"
    assert _org_of(db, apart)[0] != _org_of(db, "浙江某某视讯科技有限公司")[0]
    code, out = cli("org-merge", apart, "浙江某某视讯科技有限公司", "--note", "same firm", "--db", db)
    assert code == 0, out
    code, out = cli("org-split", "浙江某某视讯科技股份有限公司", "--reviewer", "ana", "--db", db)
    assert code == 0, out
    merged = _org_of(db, "浙江某某视讯科技有限公司")[0]
    assert _org_of(db, apart)[0] == merged
    assert _org_of(db, "浙江某某视讯科技股份有限公司")[0] != merged
    assert _org_of(db, "浙江某某视讯科技股份有限公司")[1] == "manual-split"

    # the same files again, and a new one with the merged spelling: the corrections still hold
    assert cli("ingest", tmp_path / "in", "--db", db, "--workers", "1")[0] == 0
    _write(
        tmp_path / "more",
        "a4.html",
        AWARD.format(
            title="某区公安局监控项目中标公告",
            date="2022-01-01",
            buyer="某区公安局",
            supplier=apart,
            amount="5000",
        ),
    )
    assert cli("ingest", tmp_path / "more", "--db", db, "--workers", "1")[0] == 0
    assert _org_of(db, apart)[0] == _org_of(db, "浙江某某视讯科技有限公司")[0]
    assert _org_of(db, "浙江某某视讯科技股份有限公司")[1] == "manual-split"
    code, out = cli("org-corrections", "--db", db)
    assert code == 0 and "same firm" in out and "split" in out


def test_corrections_refuse_what_they_cannot_follow(tmp_path: Path) -> None:
    _corpus(tmp_path / "in")
    db = tmp_path / "s.duckdb"
    assert cli("ingest", tmp_path / "in", "--db", db, "--workers", "1")[0] == 0
    assert cli("org-merge", "某市公安局", "某市公安局", "--db", db)[0] == 2
    assert cli("org-merge", "某市公安局", "!!!", "--db", db)[0] == 2
    assert cli("org-split", "x", "--db", tmp_path / "none.duckdb")[0] == 2
