"""OCR text put right against the words detection knows, only where Tesseract was unsure, and pages
of a scan read side by side in page order."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from procurewatch.sources import ocr, ocr_pool, ocr_words

from .helpers import only_document
from .pdfmaker import make_pdf
from .test_ocr import NOTICE, scan_of

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def _tsv(*words: tuple[str, float]) -> str:
    rows = [f"5\t1\t1\t1\t1\t{n}\t0\t0\t1\t1\t{conf}\t{word}" for n, (word, conf) in enumerate(words, 1)]
    return "\n".join([HEADER, *rows])


def test_an_unsure_misread_character_of_a_taxonomy_term_is_put_right():
    # 舆情管控 (a public-opinion-monitoring term) with its first character misread, unsure
    found = ocr.text_from_tsv(_tsv(("预案应增加协助", 95), ("僵", 0), ("情管控措施", 93)))
    assert found.text == "预案应增加协助舆情管控措施"


def test_a_fragment_read_as_an_extra_unsure_character_inside_a_vendor_name_is_dropped():
    # the left part of 曙 read as its own word 上 (中科曙光 is Sugon)
    found = ocr.text_from_tsv(_tsv(("磁盘扩展柜", 96), ("中科", 90), ("上", 0), ("曙光", 60), ("DS800", 95)))
    assert found.text == "磁盘扩展柜中科曙光DS800"


def test_characters_read_with_confidence_are_left_as_read():
    assert ocr.text_from_tsv(_tsv(("协助", 95), ("僵", 96), ("情管控", 93))).text == "协助僵情管控"
    assert ocr.text_from_tsv(_tsv(("中科", 90), ("上", 95), ("曙光", 90))).text == "中科上曙光"


def test_an_unsure_character_in_a_known_ordinary_word_is_not_made_into_a_term():
    # 视频监测 is one character from 视频监控, but 监测 is a word detection knows
    assert ocr.text_from_tsv(_tsv(("视频监", 95), ("测", 10), ("系统", 95))).text == "视频监测系统"


def test_short_words_and_words_that_differ_in_the_same_place_are_not_guessed():
    words = ocr_words.lexicon()
    assert min(words.lengths) >= ocr_words.settings()["min_characters"]
    assert "舆情监\0" not in words.by_gap  # 舆情监测 / 舆情监控: the character cannot be told
    assert ocr_words.put_right("海康", {1}) == "海康"


def _placed(*words: tuple[str, int, int]) -> str:
    """TSV of one line of words at (left, width), 43 pixels high."""
    rows = [
        f"5\t1\t1\t1\t1\t{n}\t{left}\t0\t{width}\t43\t95\t{word}"
        for n, (word, left, width) in enumerate(words, 1)
    ]
    return "\n".join([HEADER, *rows])


def test_a_number_tesseract_cut_in_pieces_is_whole_again_and_real_spaces_stay():
    widely_set = _placed(
        ("预算金额:", 300, 200), ("3", 527, 15), ("5", 580, 21), ("0", 633, 19), ("万元", 691, 90)
    )
    assert ocr.text_from_tsv(widely_set).text == "预算金额: 350万元"
    grouped = _placed(
        ("9,", 760, 30), ("323,", 805, 73), ("695.", 892, 74), ("00", 986, 31), ("元", 1045, 31)
    )
    assert ocr.text_from_tsv(grouped).text == "9,323,695.00元"
    apart = _placed(
        ("2026-04-29", 800, 206), ("10:00:00", 1034, 209), ("HD", 1300, 50), ("camera", 1370, 120)
    )
    assert ocr.text_from_tsv(apart).text == "2026-04-29 10:00:00 HD camera"
    table_cells = _placed(("12", 100, 40), ("480", 400, 60))
    assert ocr.text_from_tsv(table_cells).text == "12 480"


class _SlowReader(ocr.DocumentReader):
    def __init__(self) -> None:
        super().__init__()
        self.languages = "chi_sim"
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def read(self, page: ocr.PageImage) -> ocr.OcrText:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05 * (3 - page.width % 3))  # later pages may finish first
        with self.lock:
            self.running -= 1
        return ocr.OcrText(f"page {page.width}", 0.9, 6)


def test_pages_are_read_side_by_side_and_come_back_in_page_order():
    reader = _SlowReader()
    pages = [(i, ocr.PageImage(i, 1, b"\xff" * i)) for i in range(1, 10)]
    seen: list[int] = []
    found = list(ocr_pool.read_pages(pages, reader, workers=3, on_page=seen.append))
    assert [index for index, _ in found] == list(range(1, 10))
    assert [result.text for _, result in found] == [f"page {i}" for i in range(1, 10)]
    assert reader.most == 3
    assert len(seen) == 9


def test_pages_at_once_are_bounded_by_the_cores_and_the_setting():
    assert 1 <= ocr_pool.page_workers() <= ocr.settings()["parallel_pages"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract not installed")
def test_a_scan_of_several_pages_keeps_its_pages_in_order(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(ocr_pool, "page_workers", lambda: 2)
    pages = [[*NOTICE, f"5、第{n}包采购内容见附件清单"] for n in "一二三四"]
    (tmp_path / "scan.pdf").write_bytes(scan_of(make_pdf(pages)))
    body = only_document(tmp_path / "scan.pdf").body
    at = [body.index(f"第{n}包") for n in "一二三四"]
    assert at == sorted(at)


def test_the_ingest_progress_bar_counts_ocr_pages_live():
    import io

    from rich.console import Console

    from procurewatch.ingest.storing import progress_bar

    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    before = ocr_pool.pages_read()
    with progress_bar(console) as progress:
        progress.add_task("reading", total=None)
        list(ocr_pool.read_pages([(1, ocr.PageImage(1, 1, b"\xff"))], _SlowReader(), workers=1))
        progress.refresh()
    assert f"OCR {before + 1:,} page(s)" in console.file.getvalue()
