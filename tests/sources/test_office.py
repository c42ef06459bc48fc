"""Word, Excel, legacy .doc, WPS and RTF files, made here at test time, read into notices; each bad one is
reported by name and skipped while the rest land."""

from __future__ import annotations

from pathlib import Path

import pytest

from procurewatch.pipeline import build_notice
from procurewatch.sources import office

from . import officemaker as make
from .helpers import only_document, read_all

NOTICE = ["某市公安局人脸识别系统采购项目招标公告", "采购内容：人脸识别摄像机20台，视频监控平台一套。"]


def test_docx_paragraphs_and_table_rows_in_order(tmp_path: Path) -> None:
    path = make.docx(tmp_path / "公告.docx", NOTICE, [["品目", "数量"], ["人脸识别摄像机", "20"]])
    doc = only_document(path)
    assert doc.kind == "word" and doc.title == NOTICE[0]
    assert doc.body.split("\n") == [*NOTICE, "品目\t数量", "人脸识别摄像机\t20"]


def test_chinese_docx_notice_is_detected_with_evidence_in_its_text(tmp_path: Path) -> None:
    doc = only_document(make.docx(tmp_path / "notice.docx", NOTICE))
    notice = build_notice(doc)
    assert notice.surveillance.relevant, "a face-recognition purchase in a .docx must be detected"
    spans = [e for c in notice.surveillance.categories for e in c.evidence]
    assert spans and all(e.field in ("title", "body") for e in spans)
    assert all(getattr(notice, e.field)[e.start : e.end] == e.text for e in spans)


def test_excel_price_list_keeps_its_rows(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["序号", "名称", "单价（元）"],
        [1, "高清网络摄像机", 1200.5],
        [2, "硬盘录像机", 3000],
    ]
    doc = only_document(make.xlsx(tmp_path / "报价表.xlsx", {"报价表": rows, "空表": []}))
    assert doc.kind == "excel" and doc.title == "序号\t名称\t单价（元）"
    assert doc.body.split("\n") == [
        "【报价表】",
        "序号\t名称\t单价（元）",
        "1\t高清网络摄像机\t1200.5",
        "2\t硬盘录像机\t3000",
        "【空表】",
    ]


def test_legacy_word_97_doc_with_unicode_and_compressed_pieces(tmp_path: Path) -> None:
    (tmp_path / "采购文件.doc").write_bytes(
        make.word97_doc("公安局视频监控采购\r第二段\x13 HYPERLINK x \x14链接\x15", " camera\r")
    )
    doc = only_document(tmp_path / "采购文件.doc")
    assert doc.kind == "word"
    assert doc.body == "公安局视频监控采购\n第二段链接 camera"


def test_gbk_word_95_doc(tmp_path: Path) -> None:
    (tmp_path / "中标公告.doc").write_bytes(
        make.word95_doc("县公安局卡口系统采购中标公告\n中标供应商：某科技有限公司")
    )
    doc = only_document(tmp_path / "中标公告.doc")
    assert doc.body == "县公安局卡口系统采购中标公告\n中标供应商：某科技有限公司"


def test_wps_writer_file_in_word_format_is_read(tmp_path: Path) -> None:
    (tmp_path / "公告.wps").write_bytes(make.word97_doc("WPS 文字 监控设备采购"))
    assert only_document(tmp_path / "公告.wps").body == "WPS 文字 监控设备采购"


def test_rtf_with_gbk_escapes(tmp_path: Path) -> None:
    (tmp_path / "a.rtf").write_bytes(rb"{\rtf1\ansi\ansicpg936 \'c8\'cb\'c1\'b3\'ca\'b6\'b1\'f0\par camera}")
    doc = only_document(tmp_path / "a.rtf")
    assert doc.kind == "rtf" and doc.body == "人脸识别\ncamera"


def test_bad_office_files_are_named_and_skipped_while_the_rest_land(tmp_path: Path) -> None:
    plain = make.docx(tmp_path / "good.docx", NOTICE)
    make.encrypted_docx(tmp_path / "locked.docx", plain)
    (tmp_path / "truncated.xlsx").write_bytes(
        make.xlsx(tmp_path / "whole.xlsx", {"a": [["x"]]}).read_bytes()[:2000]
    )
    (tmp_path / "whole.xlsx").unlink()
    (tmp_path / "locked.doc").write_bytes(make.word97_doc("机密", encrypted=True))
    (tmp_path / "unknown.wps").write_bytes(make.compound_file({"WksSSWorkBook": b"x"}))
    (tmp_path / "slides.pptx").write_bytes(
        _zip({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<p/>"})
    )
    docs, errors = read_all(tmp_path)
    assert [Path(d.path).name for d in docs] == ["good.docx"]
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert set(reasons) == {"locked.docx", "truncated.xlsx", "locked.doc", "unknown.wps", "slides.pptx"}
    assert "password-protected" in reasons["locked.docx"]
    assert "password-protected" in reasons["locked.doc"]
    assert "truncated" in reasons["truncated.xlsx"]
    assert "WPS" in reasons["unknown.wps"]
    assert "neither Word nor Excel" in reasons["slides.pptx"]


def test_office_zip_bomb_is_refused_by_its_declared_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office, "limits", lambda: {**_limits(), "max_unpacked_bytes": 100_000})
    path = make.docx(tmp_path / "bomb.docx", ["监控" + " " * 200_000])
    docs, errors = read_all(path)
    assert not docs and "zip bomb" in errors[0].reason


def test_text_files_are_not_taken_for_office_files() -> None:
    from procurewatch.sources.base import content_kind

    assert content_kind(b'{"title": "x"}', "a.json") == "json records"
    assert content_kind(b"{\\rtf1 x}", "a.txt") == "office"
    assert content_kind(b"PK\x03\x04" + b"\x00" * 26 + b"data.jsonl", "export.zip") == "nested archive"


def _limits() -> dict[str, int]:
    return dict(office.knowledge.load_json("readers.json")["office_limits"])


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_legacy_xls_price_list_keeps_rows_of_every_sheet(tmp_path: Path) -> None:
    book = make.biff8_xls(
        {"报价表": [["序号", "名称", "单价"], [1, "高清摄像机", 1200.5]], "附表": [["备注"]]}
    )
    (tmp_path / "报价.xls").write_bytes(book)
    (tmp_path / "表格.et").write_bytes(book)  # WPS Spreadsheets saves .et in the same format
    (tmp_path / "cut.xls").write_bytes(book[:1536])
    docs, errors = read_all(tmp_path)
    assert {Path(d.path).name: d.body for d in docs} == {
        "报价.xls": "【报价表】\n序号\t名称\t单价\n1\t高清摄像机\t1200.5\n【附表】\n备注",
        "表格.et": "【报价表】\n序号\t名称\t单价\n1\t高清摄像机\t1200.5\n【附表】\n备注",
    }
    assert [Path(e.path).name for e in errors] == ["cut.xls"]


def test_office_files_inside_a_zip_and_macro_workbooks_are_read_as_documents(tmp_path: Path) -> None:
    word = make.docx(tmp_path / "w.docx", NOTICE).read_bytes()
    (tmp_path / "w.docx").unlink()
    (tmp_path / "bundle.zip").write_bytes(_zip({"招标文件.docx": word}))
    make.xlsx(tmp_path / "报价.xlsm", {"报价": [["摄像机", 100]]})
    docs, errors = read_all(tmp_path)
    assert not errors
    assert {Path(d.path).name: d.kind for d in docs} == {
        "bundle.zip!招标文件.docx": "word",
        "报价.xlsm": "excel",
    }
