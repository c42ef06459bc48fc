"""End to end: a notice page with a Word attachment beside it, ingested by the real command (the worker
processes read the attachment); the procurement page names the file each attachment evidence came from."""

from __future__ import annotations

from pathlib import Path

from tests.sources import officemaker as make
from tests.web.conftest import TestClient
from typer.testing import CliRunner

from procurewatch.cli import app
from procurewatch.web.app import Settings, create_app

PAGE = "<html><head><title>某县教育局办公设备采购公告</title></head><body><p>详见附件。</p></body></html>"


def test_attachment_evidence_names_its_file(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "7.html").write_text(PAGE, encoding="utf-8")
    hostile = "7_<b onmouseover=x>需求.docx"  # a file name is hostile input too
    make.docx(site / hostile, ["技术要求", "人脸识别摄像机20台，人脸识别平台一套"])
    db = tmp_path / "store.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(site), "--db", str(db)])
    assert result.exit_code == 0, result.output
    client = TestClient(create_app(Settings(db_path=db)), raise_server_exceptions=False)
    hits = client.get("/api/search", params={"q": "人脸识别"}).json()
    assert hits["total"] == 1
    html = client.get(f"/procurement/{hits['results'][0]['procurement_id']}").text
    shown = "7_&lt;b onmouseover=x&gt;需求.docx"
    assert f"attachments (file {shown})" in html
    assert "<b onmouseover" not in html
    assert f"【附件：{shown}】" in html
