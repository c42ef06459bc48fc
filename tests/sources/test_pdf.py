"""PDF: text layer with Chinese, title from the cover, damaged files refused with a reason."""

from __future__ import annotations

from pathlib import Path

from procurewatch.sources.pdf import PAGE_BREAK

from .helpers import only_document, read_all
from .pdfmaker import make_pdf

COVER = [
    "1",
    "合肥市政府采购项目",
    "公开招标文件",
    "项目名称：某市公安局某分局雪亮工程支网",
    "一期、二期运维服务采购项目",
    "项目编号：2024ABC01583",
    "采 购 人：某市公安局某分局",
    "2024年6月",
]
PAGE_TWO = ["第一章 招标公告", "预算金额：437.677万元", "采购需求：视频监控前端点位运维 Hikvision DS-2CD3T47"]


def test_chinese_text_layer_round_trips_and_pages_are_separated(tmp_path: Path) -> None:
    target = tmp_path / "tender.pdf"
    target.write_bytes(make_pdf([COVER, PAGE_TWO]))
    doc = only_document(target)
    assert doc.kind == "pdf"
    assert doc.title == "某市公安局某分局雪亮工程支网一期、二期运维服务采购项目"
    first, second = doc.body.split(PAGE_BREAK)
    assert first.split("\n") == COVER
    assert second.split("\n") == PAGE_TWO


def test_title_from_cover_lines_without_a_name_label(tmp_path: Path) -> None:
    target = tmp_path / "cover.pdf"
    target.write_bytes(
        make_pdf(
            [
                ["— 1 —"],
                [
                    "项目编号：X-1",
                    "某县2026年度校园安防",
                    "监控系统采购项目",
                    "招 标 文 件",
                    "采购人：某县教育局",
                ],
            ]
        )
    )
    assert only_document(target).title == "某县2026年度校园安防监控系统采购项目"


def test_pdf_recognised_by_magic_even_when_misnamed(tmp_path: Path) -> None:
    target = tmp_path / "download.bin"
    target.write_bytes(make_pdf([["项目名称：某市图书采购项目"]]))
    assert only_document(target).title == "某市图书采购项目"


def test_truncated_encrypted_and_textless_pdfs_are_source_errors(tmp_path: Path) -> None:
    whole = make_pdf([COVER])
    (tmp_path / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "encrypted.pdf").write_bytes(make_pdf([COVER], encrypt_marker=True))
    (tmp_path / "scanned.pdf").write_bytes(make_pdf([[]]))
    (tmp_path / "fine.pdf").write_bytes(make_pdf([["项目名称：某区图书采购项目"]]))
    docs, errors = read_all(tmp_path)
    assert [d.title for d in docs] == ["某区图书采购项目"]
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert set(reasons) == {"truncated.pdf", "encrypted.pdf", "scanned.pdf"}
    assert "encrypted" in reasons["encrypted.pdf"]
    assert "truncated" in reasons["truncated.pdf"] or "damaged" in reasons["truncated.pdf"]
    # with Tesseract: its page read and found blank; without it: OCR is needed and not installed
    assert "no text layer" in reasons["scanned.pdf"] or "without a text layer" in reasons["scanned.pdf"]
