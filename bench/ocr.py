"""OCR accuracy and speed on scans made from real text PDFs. Prints figures; asserts nothing.

    python bench/ocr.py                     # CER and pages/s per engine, dpi and scan condition
    python bench/ocr.py --pages 3           # three pages of each PDF instead of one
    python bench/ocr.py --detect            # detection: OCR text of whole scanned PDFs vs text layer

Scans are made here: each page of a text PDF (../shared/data/eval-dev/docs/cn-pdf-*.pdf, else the bundled
example) is rendered by pdfium at 150 and 300 dpi, as is ("clean") and "degraded" (turned 1.2° and
with Gaussian noise of σ=18 grey levels, as a flatbed scan of a printout). The OCR text is compared
with the page's text layer: character error rate = edit distance / reference length, both sides NFKC
and without whitespace; "CER letters" drops punctuation too (what detection reads).

Engines: procurewatch's own (Tesseract via sources/ocr.py, chi_sim) and, when installed,
rapidocr-onnxruntime (PP-OCRv4 ONNX models inside its wheel) for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from procurewatch.sources.ocr import PageImage, recognise  # noqa: E402

SHARED = Path(os.environ.get("PROCUREWATCH_SHARED", REPO.parent / "shared")) / "data" / "eval-dev" / "docs"
EXAMPLE = REPO / "src" / "procurewatch" / "examples" / "pdf"
DPIS = (150, 300)
CONDITIONS = ("clean", "degraded")
SKEW_DEGREES = 1.2
NOISE_SIGMA = 18.0

Engine = Callable[[PageImage], str]


def source_pdfs() -> list[Path]:
    found = sorted(SHARED.glob("cn-pdf-*.pdf")) if SHARED.is_dir() else []
    return found or sorted(EXAMPLE.glob("*.pdf"))


def normalised(text: str, letters_only: bool = False) -> str:
    text = "".join(unicodedata.normalize("NFKC", text).split())
    if letters_only:
        text = "".join(c for c in text if unicodedata.category(c)[0] in "LN")
    return text


def cer(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference length)"""
    return Levenshtein.distance(reference, hypothesis), len(reference)


def render(pdf_path: Path, index: int, dpi: int, condition: str) -> tuple[PageImage, str]:
    """The page as a scan, and its text layer."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        page = document[index]
        textpage = page.get_textpage()
        reference = textpage.get_text_bounded()
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()
    if condition == "degraded":
        image = image.rotate(SKEW_DEGREES, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
        rng = np.random.default_rng(index * 1000 + dpi)
        pixels = np.asarray(image, dtype=np.float32) + rng.normal(
            0.0, NOISE_SIGMA, (image.height, image.width)
        )
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    return PageImage(image.width, image.height, image.tobytes()), reference


def tesseract_engine(image: PageImage) -> str:
    return recognise(image, "chi_sim").text


def rapidocr_engine() -> Engine | None:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    import numpy as np

    engine = RapidOCR()

    def run(image: PageImage) -> str:
        pixels = np.frombuffer(image.pixels, dtype=np.uint8).reshape(image.height, image.width)
        result, _ = engine(np.stack([pixels] * 3, axis=-1))
        return "\n".join(line[1] for line in result or [])

    return run


def accuracy(pdfs: list[Path], pages: int, engines: dict[str, Engine]) -> None:
    import pypdfium2 as pdfium

    chosen: list[tuple[Path, int]] = []
    for pdf in pdfs:
        count = len(pdfium.PdfDocument(str(pdf)))
        # from the third page on: covers are mostly large type and blank space
        chosen += [(pdf, i) for i in range(2, min(count, 2 + pages))]
    print(f"{len(chosen)} pages from {len(pdfs)} PDFs; machine load {os.getloadavg()[0]:.1f}")
    print(f"{'engine':10} {'dpi':>4} {'scan':9} {'pages':>5} {'CER':>7} {'CER letters':>12} {'pages/s':>8}")
    for dpi in DPIS:
        for condition in CONDITIONS:
            scans = [render(pdf, index, dpi, condition) for pdf, index in chosen]
            for name, engine in engines.items():
                edits = total = letter_edits = letter_total = 0
                started = time.perf_counter()
                for image, reference in scans:
                    text = engine(image)
                    e, t = cer(normalised(reference), normalised(text))
                    le, lt = cer(normalised(reference, True), normalised(text, True))
                    edits, total, letter_edits, letter_total = (
                        edits + e,
                        total + t,
                        letter_edits + le,
                        letter_total + lt,
                    )
                seconds = time.perf_counter() - started
                print(
                    f"{name:10} {dpi:>4} {condition:9} {len(scans):>5} {edits / max(total, 1):>7.2%} "
                    f"{letter_edits / max(letter_total, 1):>12.2%} {len(scans) / seconds:>8.2f}",
                    flush=True,
                )


def detect_file(pdf: str) -> tuple[str, int, float, dict[str, object], dict[str, object]]:
    """Detection on the text layer and on the OCR text of the same PDF rendered at the configured dpi."""
    import pypdfium2 as pdfium

    from procurewatch.model import Document
    from procurewatch.pipeline import build_notice
    from procurewatch.sources.pdf import PAGE_BREAK, cover_title, read_pdf
    from procurewatch.sources.scans import ScannedPages

    layer = build_notice(read_pdf(pdf, path=pdf, source_key=pdf))
    document = pdfium.PdfDocument(pdf)
    started = time.perf_counter()
    try:
        pages = [""] * len(document)
        scanned = ScannedPages()
        scanned.fill(document, pages)
    finally:
        document.close()
    seconds = time.perf_counter() - started
    ocr = build_notice(
        Document(
            path=pdf,
            locator="",
            kind="pdf",
            title=cover_title(pages),
            body=PAGE_BREAK.join(pages),
            source_key=pdf,
            ocr_confidence=scanned.confidence,
        )
    )
    return pdf, len(pages), seconds, _findings(layer), _findings(ocr)


def _findings(notice: object) -> dict[str, object]:
    s = notice.surveillance  # type: ignore[attr-defined]
    return {
        "relevant": s.relevant,
        "role": s.role,
        "categories": sorted(c.id for c in s.categories),
        "vendors": sorted(v.vendor for v in notice.vendors_mentioned),  # type: ignore[attr-defined]
        "confidence": notice.ocr_confidence,  # type: ignore[attr-defined]
    }


def detection(pdfs: list[Path], workers: int) -> None:
    print(
        f"detection on whole scanned PDFs ({len(pdfs)} files, {workers} processes); "
        f"load {os.getloadavg()[0]:.1f}"
    )
    same = 0
    pages_total = 0
    seconds_total = 0.0
    with ProcessPoolExecutor(workers) as pool:
        for pdf, pages, seconds, layer, ocr in pool.map(detect_file, [str(p) for p in pdfs]):
            confidence = ocr.pop("confidence")
            layer.pop("confidence")
            equal = layer == ocr
            same += equal
            pages_total += pages
            seconds_total += seconds
            print(
                f"{Path(pdf).name}: {pages} pages, {pages / seconds:.2f} pages/s, confidence {confidence}, "
                f"{'same' if equal else 'DIFFERENT'}: text layer {layer} | OCR {ocr}",
                flush=True,
            )
    print(
        f"equal detection (relevant, role, categories, vendors) on {same}/{len(pdfs)} PDFs; "
        f"{pages_total} pages at {pages_total / seconds_total:.2f} pages/s per process"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=1, help="pages per PDF for the CER table")
    parser.add_argument("--detect", action="store_true", help="detection on whole scanned PDFs instead")
    parser.add_argument("--workers", type=int, default=2, help="processes for --detect")
    parser.add_argument("--no-rapidocr", action="store_true", help="only procurewatch's engine")
    args = parser.parse_args()
    pdfs = source_pdfs()
    if args.detect:
        detection(pdfs, args.workers)
        return
    engines: dict[str, Engine] = {"tesseract": tesseract_engine}
    rapid = None if args.no_rapidocr else rapidocr_engine()
    if rapid is not None:
        engines["rapidocr"] = rapid
    accuracy(pdfs, args.pages, engines)


if __name__ == "__main__":
    main()
