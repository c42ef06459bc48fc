"""OCR of scans: a scanned PDF and an image made here from a generated notice read like its text layer,
`--no-ocr` keeps the old reason, a missing engine is named, hostile images are refused."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from procurewatch.pipeline import build_notice
from procurewatch.sources import ocr

from .helpers import only_document, read_all
from .pdfmaker import make_pdf

needs_engine = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Tesseract not installed (scripts/test.sh installs it)"
)

NOTICE = [
    "项目名称：某市公安局雪亮工程视频监控采购项目",
    "采购人：某市公安局",
    "采购方式：公开招标",
    "预算金额：350万元",
    "采购内容：",
    "1、高清网络摄像机（人脸识别）200台",
    "2、硬盘录像机20台",
    "3、视频监控管理平台软件1套",
    "4、车辆卡口抓拍系统10套",
]


def scan_of(pdf: bytes, dpi: int = 300) -> bytes:
    """An image-only PDF: every page of `pdf` rasterised, as a scanner would give it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    images = [
        document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(document))
    ]
    document.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def _findings(doc):
    notice = build_notice(doc)
    s = notice.surveillance
    return s.relevant, s.role, sorted(c.id for c in s.categories), notice


@needs_engine
def test_a_scanned_notice_is_detected_as_its_text_layer(tmp_path: Path):
    text_pdf = make_pdf([NOTICE])
    (tmp_path / "text.pdf").write_bytes(text_pdf)
    (tmp_path / "scan.pdf").write_bytes(scan_of(text_pdf))

    layer = only_document(tmp_path / "text.pdf")
    scanned = only_document(tmp_path / "scan.pdf")
    assert layer.ocr_confidence is None
    assert scanned.kind == "pdf" and scanned.ocr_confidence is not None and scanned.ocr_confidence > 0.8
    relevant, role, categories, notice = _findings(scanned)
    assert relevant and categories
    assert (relevant, role, categories) == _findings(layer)[:3]
    # evidence points into the OCR text, in the same field as text from that file
    evidence = [e for c in notice.surveillance.categories for e in c.evidence]
    assert evidence and all(notice.body[e.start : e.end] == e.text for e in evidence if e.field == "body")
    assert notice.ocr_confidence == scanned.ocr_confidence
    assert "人脸识别" in notice.body and "某市公安局雪亮工程" in notice.title
    # digits Tesseract cuts apart (3 5 0万元) are one number again, so the amount is read
    assert notice.amount is not None and notice.amount == build_notice(layer).amount


@needs_engine
def test_an_image_file_is_read_by_ocr(tmp_path: Path):
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(make_pdf([NOTICE]))[0].render(scale=300 / 72, grayscale=True).to_pil()
    page.convert("L").save(tmp_path / "notice.png")
    page.convert("RGB").save(tmp_path / "notice.jpg", quality=90)
    docs, errors = read_all(tmp_path)
    assert not errors
    assert sorted(d.kind for d in docs) == ["image", "image"]
    for doc in docs:
        assert doc.ocr_confidence and doc.ocr_confidence > 0.8
        assert _findings(doc)[0]


def run_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "procurewatch.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


@needs_engine
def test_ingest_marks_ocr_notices_and_no_ocr_skips_scans_with_the_old_reason(tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "scan.pdf").write_bytes(scan_of(make_pdf([NOTICE])))
    (inputs / "notice.txt").write_text("\n".join(NOTICE[:2]), encoding="utf-8")

    db = tmp_path / "ocr.duckdb"
    done = run_cli("ingest", inputs, "--db", db)
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(con.execute("SELECT kind, ocr_confidence FROM notices").fetchall())
    assert rows["text"] is None and rows["pdf"] > 0.8

    db = tmp_path / "no-ocr.duckdb"
    done = run_cli("ingest", inputs, "--db", db, "--no-ocr")
    assert done.returncode == 3
    with duckdb.connect(str(db), read_only=True) as con:
        error = con.execute("SELECT error FROM files WHERE path LIKE '%scan.pdf'").fetchone()
    assert error == ("no text layer in 1 page(s): a scanned PDF needs OCR, which is not supported",)
    assert ocr.NO_OCR_VARIABLE not in os.environ


def test_a_missing_engine_names_the_file_and_says_ocr_is_not_installed(tmp_path: Path, monkeypatch):
    (tmp_path / "scan.pdf").write_bytes(_ink_only_pdf())
    (tmp_path / "page.png").write_bytes(_png())
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract here
    ocr.engine_problem.cache_clear()
    try:
        docs, errors = read_all(tmp_path)
    finally:
        ocr.engine_problem.cache_clear()
    assert not docs
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert set(reasons) == {"scan.pdf", "page.png"}
    for reason in reasons.values():
        assert "OCR engine is not installed" in reason and "tesseract-ocr" in reason
    assert all("--no-ocr" in reason for reason in reasons.values())


def test_no_ocr_skips_an_image_and_keeps_the_old_reason_for_a_scan(tmp_path: Path):
    (tmp_path / "scan.pdf").write_bytes(_ink_only_pdf())
    (tmp_path / "page.png").write_bytes(_png())
    with ocr.ocr_turned_off():
        docs, errors = read_all(tmp_path)
    assert not docs
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert (
        reasons["scan.pdf"] == "no text layer in 1 page(s): a scanned PDF needs OCR, which is not supported"
    )
    assert "--no-ocr" in reasons["page.png"]


def test_an_image_too_large_to_decode_is_refused(tmp_path: Path):
    from PIL import Image

    Image.new("1", (13_000, 13_000), 1).save(tmp_path / "bomb.png")  # 169 million pixels, a few kB
    docs, errors = read_all(tmp_path)
    if shutil.which("tesseract") is None:
        pytest.skip("without the engine the image is refused before it is decoded")
    assert not docs
    assert "too large" in errors[0].reason


def test_words_are_joined_without_spaces_between_chinese_characters():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t96\t视频",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t90\t监控",
        "5\t1\t1\t1\t1\t3\t0\t0\t1\t1\t80\tHD",
        "5\t1\t1\t1\t1\t4\t0\t0\t1\t1\t70\tcamera",
        "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t-1\t  ",
        "5\t1\t1\t1\t2\t2\t0\t0\t1\t1\t50\t200台",
    ]
    found = ocr.text_from_tsv("\n".join([header, *rows]))
    assert found.text == "视频监控HD camera\n200台"
    assert found.characters == 16
    assert found.confidence == pytest.approx(
        (96 * 2 + 90 * 2 + 80 * 2 + 70 * 6 + 50 * 4) / 16 / 100, abs=1e-4
    )


def _ink_only_pdf() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 800), 255)
    ImageDraw.Draw(image).rectangle((50, 50, 550, 120), fill=0)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=72)
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((20, 20, 380, 60), fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_lookalike_opening_brackets_and_table_rules_are_put_right():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\t预算金额〈元)",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t90\t|",
        "5\t1\t1\t1\t1\t3\t0\t0\t1\t1\t90\t《【北京时间）",
        "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t90\t《政府采购法》",
    ]
    found = ocr.text_from_tsv("\n".join([header, *rows]))
    assert found.text == "预算金额(元)（北京时间）\n《政府采购法》"
