"""On real notices from ../shared/data: the telecom data-centre tender whose notice wrote 627358.49万元
(its correction 627358.49元) is flagged with its evidence, and OCDS releases ingested again under
another folder name do not add a notice to any figure."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from procurewatch.ingest.runner import run_ingest
from procurewatch.query import counts as a

pytestmark = pytest.mark.shared


def ingest(paths: list[Path], db: Path) -> None:
    run_ingest(paths, db, field_map={}, batch_size=500, console=Console(file=io.StringIO()))


def present(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def test_the_wan_yuan_slip_is_flagged(shared_data, tmp_path):
    source = present(shared_data / "bulk" / "cn-telecom-operator-notices" / "telecom-notices.jsonl")
    db = tmp_path / "telecom.duckdb"
    ingest([source], db)
    con = a.connect(db)
    try:
        # the tender buys data-centre plant (its 监控 watches the machine room), so it is no surveillance
        # purchase: the slip is looked for among all notices
        every = a.Filters(relevant_only=False)
        flagged = a.flagged_amounts(con, every)
        slips = [r for r in flagged if r["spend_value"] == pytest.approx(6_273_584_900.0)]
        assert slips, "the 6.27 bn data-centre budget is not flagged"
        assert any("627,358.49" in r["evidence"] for r in slips)
        (cny,) = [r for r in a.totals(con, every) if r["spend_currency"] == "CNY"]
        assert cny["spend_value"] - cny["spend_value_excl_flagged"] >= 6_273_584_900.0
    finally:
        con.close()


def counted(con, f):
    """Procurements and notices of every total and year. (Not spend: when an ocid has two awards on one
    day, linking picks the spend by notice id, so a copy with a lower id can change it; link/run.py.)"""
    rows = [*a.totals(con, f), *a.by_year(con, f)]
    return [
        (r.get("year"), r["spend_currency"], r["procurements"], r["notices"]) for r in rows
    ], a.data_vintage(con)["notices"]


def test_ocds_releases_stored_twice_count_once(shared_data, tmp_path):
    source = present(shared_data / "bulk" / "ocds-uk-contracts-finder-cfserver1" / "EnglishData")
    db = tmp_path / "uk.duckdb"
    ingest([source], db)
    con = a.connect(db)
    f = a.Filters(relevant_only=False)
    before = counted(con, f)
    con.close()
    shutil.copytree(source, tmp_path / "again")
    ingest([tmp_path / "again"], db)
    con = a.connect(db)
    try:
        after = counted(con, f)
        assert after == before
        assert a.data_vintage(con)["stored_notices"] > before[1]  # the copies are stored, and not counted
    finally:
        con.close()
