"""Scanned PDF pages → text: pages without a text layer rendered by pdfium and read by sources/ocr.py
(image files are sources/images.py).

Pixels per page are capped (data/ocr.json) so a hostile page size cannot ask for gigabytes, and
pages with next to no ink are not sent to the engine. OCR text is marked on the Document with the
engine's confidence, so every view can say the text came from a scan.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from procurewatch.sources.ocr import (
    DocumentReader,
    OcrText,
    OcrUnavailable,
    PageImage,
    engine_problem,
    require_engine,
    settings,
)
from procurewatch.sources.ocr_pool import read_pages

INK_LEVEL = 128  # a pixel darker than this is ink


class ScannedPages:
    """The PDF reader's OCR: fills in the pages of an open document that have no text layer."""

    def __init__(self) -> None:
        self.confidence: float | None = None  # set when some page's text came from OCR

    def fill(self, pdf: object, texts: list[str]) -> None:
        empty = [i for i, text in enumerate(texts) if not text.strip()]
        if not empty:
            return
        problem = engine_problem()
        if problem:
            if len(empty) < len(texts):
                return  # the text pages are read as before
            raise OcrUnavailable(
                f"scanned PDF ({len(texts)} page(s) without a text layer) needs OCR, but {problem}; "
                "or pass --no-ocr to skip it"
            )
        found, self.confidence = ocr_pdf_pages(pdf, empty)
        for index, text in found.items():
            texts[index] = text


def ocr_pdf_pages(pdf: object, indexes: list[int]) -> tuple[dict[int, str], float | None]:
    """OCR text of the pages `indexes` of an open pypdfium2 document, and the mean confidence over
    them (None when no page gave text). Pages are read side by side (sources/ocr_pool.py)."""
    require_engine()
    texts: dict[int, str] = {}
    found: list[OcrText] = []
    for index, result in read_pages(_rendered(pdf, indexes[: settings()["max_pages"]]), DocumentReader()):
        if result.text.strip():
            texts[index] = result.text
            found.append(result)
    return texts, mean_confidence(found)


def _rendered(pdf: object, indexes: list[int]) -> Iterator[tuple[int, PageImage]]:
    for index in indexes:
        page = pdf[index]  # type: ignore[index]
        try:
            image = _render(page)
        finally:
            page.close()
        if image is not None:
            yield index, image


def mean_confidence(results: list[OcrText]) -> float | None:
    characters = sum(r.characters for r in results)
    if not characters:
        return None
    return round(sum(r.confidence * r.characters for r in results) / characters, 4)


def _render(page: object) -> PageImage | None:
    import numpy as np

    width_pt, height_pt = page.get_size()  # type: ignore[attr-defined]
    scale = settings()["dpi"] / 72
    if width_pt * height_pt * scale * scale > settings()["max_page_pixels"]:
        scale = math.sqrt(settings()["max_page_pixels"] / max(width_pt * height_pt, 1.0))
    bitmap = page.render(scale=scale, grayscale=True)  # type: ignore[attr-defined]
    try:
        pixels = np.ascontiguousarray(bitmap.to_numpy().reshape(bitmap.height, bitmap.width))
    finally:
        bitmap.close()
    image = PageImage(pixels.shape[1], pixels.shape[0], pixels.tobytes())
    return None if blank(image) else image


def blank(image: PageImage) -> bool:
    import numpy as np

    pixels = np.frombuffer(image.pixels, dtype=np.uint8)
    if not pixels.size:
        return True
    return float(np.count_nonzero(pixels < INK_LEVEL)) / pixels.size < settings()["blank_page_ink_share"]
