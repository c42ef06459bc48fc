"""OCR happens while a file is read; big PDFs and images on disk are read by the worker processes, so
scans are OCR'd there, never in the process that coordinates ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from procurewatch.ingest import reading
from procurewatch.ingest.reading import ReadStats, iter_chunks


def test_big_pdfs_and_images_on_disk_go_to_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reading, "WHOLE_FILE_MAX", 100)
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 500)
    (tmp_path / "page.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 500)
    (tmp_path / "page.tif").write_bytes(b"II*\x00" + b"0" * 500)
    (tmp_path / "notice.txt").write_text("视频监控采购公告\n" * 40, encoding="utf-8")
    chunks = list(iter_chunks([tmp_path], None, {}, ReadStats()))
    to_workers = sorted(Path(f.path).name for c in chunks for f in c.files)
    read_here = sorted(Path(d.path).name for c in chunks for d in c.docs)
    assert to_workers == ["page.png", "page.tif", "scan.pdf"]
    assert read_here == ["notice.txt"]
