"""OCR accuracy and speed on scans made from real text PDFs. Prints figures; asserts nothing.

    python bench/ocr.py                     # CER and pages/s per engine, dpi and scan condition
    python bench/ocr.py --pages 3           # three pages of each PDF instead of one
    python bench/ocr.py --detect            # detection: OCR text of scanned pages vs their text layer
    python bench/ocr.py --speed 10          # pages/s of a 10-page scan, one page at a time vs side by side

Scans are made here: pages of running text (no contents page, no table; `is_prose`) of text PDFs
(../shared/data/eval-dev/docs/cn-pdf-*.pdf, else the bundled example) are rendered by pdfium at 150 and
300 dpi, as is ("clean") and "degraded" (turned 1.2° and with Gaussian noise of σ=18 grey levels, as a
flatbed scan of a printout). The OCR text is compared with the page's text layer: character error
rate = edit distance / reference length, both sides NFKC and without whitespace; "CER letters" drops
punctuation too (what detection reads); "unordered" ignores reading order (see `bag_errors`); "lines
moved" lets whole lines sit elsewhere while order within a line counts (see `moved_line_errors`: a text
layer often puts a page's running footer or a boxed paragraph elsewhere than it is printed); "median" is
the median page's CER.

Engines: procurewatch's own (Tesseract via sources/ocr.py, chi_sim) and, when installed,
rapidocr-onnxruntime (PP-OCRv4 ONNX models inside its wheel) for comparison.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
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
LEADERS = re.compile(r"\.{5,}|…{2,}|·{5,}")
PROSE_LINE = 15  # characters

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


def bag_errors(reference: str, hypothesis: str) -> int:
    """Errors when reading order is ignored: the larger of characters missed and characters added (a
    substitution is one of each). Table cells come out of the text layer and the OCR in other orders."""
    ref, hyp = Counter(reference), Counter(hypothesis)
    return max(sum((ref - hyp).values()), sum((hyp - ref).values()))


def moved_line_errors(reference: str, hypothesis: str) -> int:
    """Errors when whole lines may move: lines matched one to one, most alike first (at least half
    alike), then the edits within each pair plus every character of an unmatched line; or the plain
    edit distance when that is smaller (where the two sides break lines in other places)."""
    from rapidfuzz import process

    ref = [line for line in map(normalised, reference.splitlines()) if line]
    hyp = [line for line in map(normalised, hypothesis.splitlines()) if line]
    plain = Levenshtein.distance("".join(ref), "".join(hyp))
    if not ref or not hyp:
        return plain
    alike = process.cdist(ref, hyp, scorer=Levenshtein.normalized_similarity)
    pairs = sorted(((alike[i, j], i, j) for i in range(len(ref)) for j in range(len(hyp))), reverse=True)
    used_ref: set[int] = set()
    used_hyp: set[int] = set()
    edits = 0
    for score, i, j in pairs:
        if score < 0.5:
            break
        if i in used_ref or j in used_hyp:
            continue
        used_ref.add(i)
        used_hyp.add(j)
        edits += Levenshtein.distance(ref[i], hyp[j])
    edits += sum(len(line) for i, line in enumerate(ref) if i not in used_ref)
    edits += sum(len(line) for j, line in enumerate(hyp) if j not in used_hyp)
    return min(edits, plain)


def is_prose(text: str) -> bool:
    """A page of running text: no table-of-contents leaders, and mostly long lines (not a table)."""
    if LEADERS.search(text):
        return False
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    long_lines = sum(1 for line in lines if len(line) >= PROSE_LINE)
    return len(lines) >= 8 and long_lines >= 0.7 * len(lines)


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


def accuracy(pdfs: list[Path], pages: int, engines: dict[str, Engine], verbose: bool = False) -> None:
    import pypdfium2 as pdfium

    chosen: list[tuple[Path, int]] = []
    for pdf in pdfs:
        document = pdfium.PdfDocument(str(pdf))
        # the first pages of running text from the third page on (covers are large type, then contents)
        prose = [
            i for i in range(2, len(document)) if is_prose(document[i].get_textpage().get_text_bounded())
        ]
        chosen += [(pdf, i) for i in prose[:pages]]
        document.close()
    print(f"{len(chosen)} pages of running text from {len(pdfs)} PDFs; machine load {os.getloadavg()[0]:.1f}")
    print(
        f"{'engine':10} {'dpi':>4} {'scan':9} {'pages':>5} {'CER':>7} {'CER letters':>12} "
        f"{'unordered':>10} {'lines moved':>12} {'median':>7} {'pages/s':>8}"
    )
    for dpi in DPIS:
        for condition in CONDITIONS:
            scans = [render(pdf, index, dpi, condition) for pdf, index in chosen]
            for name, engine in engines.items():
                edits = total = letter_edits = letter_total = unordered = moved = 0
                per_page: list[float] = []
                started = time.perf_counter()
                for (pdf, index), (image, reference) in zip(chosen, scans, strict=True):
                    text = engine(image)
                    e, t = cer(normalised(reference), normalised(text))
                    per_page.append(e / max(t, 1))
                    if verbose:
                        print(f"  {pdf.name} page {index + 1}: CER {e / max(t, 1):.2%} of {t} characters")
                    le, lt = cer(normalised(reference, True), normalised(text, True))
                    unordered += bag_errors(normalised(reference), normalised(text))
                    moved += moved_line_errors(reference, text)
                    edits, total, letter_edits, letter_total = (
                        edits + e,
                        total + t,
                        letter_edits + le,
                        letter_total + lt,
                    )
                seconds = time.perf_counter() - started
                print(
                    f"{name:10} {dpi:>4} {condition:9} {len(scans):>5} {edits / max(total, 1):>7.2%} "
                    f"{letter_edits / max(letter_total, 1):>12.2%} {unordered / max(total, 1):>10.2%} "
                    f"{moved / max(total, 1):>12.2%} "
                    f"{statistics.median(per_page):>7.2%} "
                    f"{len(scans) / seconds:>8.2f}",
                    flush=True,
                )


def detect_file(job: tuple[str, int]) -> tuple[str, int, float, dict[str, object], dict[str, object]]:
    """Detection on the text layer and on the OCR text of the same pages of a PDF, rendered at the
    configured dpi; both Documents are made the same way. The pages: those holding the evidence that
    detection finds on the whole text layer (at most `max_pages`), else the first `max_pages`."""
    import pypdfium2 as pdfium

    from procurewatch.pipeline import build_notice
    from procurewatch.sources.pdf import pdf_pages
    from procurewatch.sources.scans import ScannedPages

    pdf, max_pages = job
    all_pages = pdf_pages(pdf)
    chosen = evidence_pages(build_notice(_document(pdf, all_pages, None)), all_pages)[:max_pages]
    chosen = chosen or list(range(min(max_pages, len(all_pages))))
    layer_pages = [all_pages[i] for i in chosen]
    document = pdfium.PdfDocument(pdf)
    started = time.perf_counter()
    try:
        every = ["-"] * len(document)  # only the chosen pages are empty, so only they are OCR'd
        for i in chosen:
            every[i] = ""
        scanned = ScannedPages()
        scanned.fill(document, every)
    finally:
        document.close()
    seconds = time.perf_counter() - started
    ocr_pages = [every[i] for i in chosen]
    layer = build_notice(_document(pdf, layer_pages, None))
    ocr = build_notice(_document(pdf, ocr_pages, scanned.confidence))
    return pdf, len(ocr_pages), seconds, _findings(layer), _findings(ocr)


def evidence_pages(notice: object, pages: list[str]) -> list[int]:
    """The pages of the body that hold some evidence (the title comes from the first pages)."""
    from procurewatch.sources.pdf import PAGE_BREAK

    starts, at = [], 0
    for page in pages:
        starts.append(at)
        at += len(page) + len(PAGE_BREAK)
    found: set[int] = set()
    evidence = [e for c in notice.surveillance.categories for e in c.evidence]  # type: ignore[attr-defined]
    evidence += [e for v in notice.vendors_mentioned for e in v.evidence]  # type: ignore[attr-defined]
    for e in evidence:
        if e.field == "body":
            found.add(max(i for i, start in enumerate(starts) if start <= e.start))
        elif e.field == "title":
            found.add(0)
    return sorted(found)


def _document(pdf: str, pages: list[str], confidence: float | None) -> object:
    from procurewatch.model import Document
    from procurewatch.sources.pdf import PAGE_BREAK, cover_title

    return Document(
        path=pdf,
        locator="",
        kind="pdf",
        title=cover_title(pages),
        body=PAGE_BREAK.join(pages),
        source_key=pdf,
        ocr_confidence=confidence,
    )


def _findings(notice: object) -> dict[str, object]:
    s = notice.surveillance  # type: ignore[attr-defined]
    return {
        "relevant": s.relevant,
        "role": s.role,
        "categories": sorted(c.id for c in s.categories),
        "vendors": sorted(v.vendor for v in notice.vendors_mentioned),  # type: ignore[attr-defined]
        "confidence": notice.ocr_confidence,  # type: ignore[attr-defined]
    }


def detection(pdfs: list[Path], workers: int, max_pages: int) -> None:
    print(
        f"detection on scanned PDFs ({len(pdfs)} files; the pages holding evidence, at most {max_pages}, "
        f"else the first {max_pages}; {workers} processes); "
        f"load {os.getloadavg()[0]:.1f}"
    )
    same = 0
    pages_total = 0
    seconds_total = 0.0
    with ProcessPoolExecutor(workers) as pool:
        for pdf, pages, seconds, layer, ocr in pool.map(detect_file, [(str(p), max_pages) for p in pdfs]):
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


def scan_pdf(pages: int, dpi: int) -> bytes:
    """An image-only PDF of `pages` pages of running text, as a scanner would give it."""
    import io

    import pypdfium2 as pdfium

    images = []
    for pdf in source_pdfs():
        document = pdfium.PdfDocument(str(pdf))
        try:
            for i in range(2, len(document)):
                if len(images) < pages and is_prose(document[i].get_textpage().get_text_bounded()):
                    images.append(document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
        finally:
            document.close()
        if len(images) >= pages:
            break
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def speed(pages: int) -> None:
    """Wall time and CPU seconds (this process and its Tesseract children) to read a scan, pages one at
    a time and then side by side (sources/ocr_pool.py)."""
    import resource

    from procurewatch.sources import ocr_pool
    from procurewatch.sources.pdf import read_pdf

    scan = scan_pdf(pages, 300)
    print(f"{pages}-page scan at 300 dpi; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    for workers in sorted({1, ocr_pool.page_workers()}):
        ocr_pool.page_workers = lambda workers=workers: workers  # type: ignore[assignment]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        document = read_pdf(scan, path="scan.pdf", source_key="scan.pdf")
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        print(
            f"{workers} at once: {pages / seconds:.3f} pages/s ({seconds:.1f} s wall, {cpu:.1f} s CPU in "
            f"Tesseract), {len(document.body):,} characters, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=1, help="pages per PDF for the CER table")
    parser.add_argument("--files", type=int, default=0, help="only the first N PDFs (0: all)")
    parser.add_argument("--verbose", action="store_true", help="the CER of every page")
    parser.add_argument("--detect", action="store_true", help="detection on whole scanned PDFs instead")
    parser.add_argument("--workers", type=int, default=2, help="processes for --detect")
    parser.add_argument("--max-pages", type=int, default=12, help="--detect: at most N pages a PDF")
    parser.add_argument("--no-rapidocr", action="store_true", help="only procurewatch's engine")
    parser.add_argument("--speed", type=int, default=0, help="pages/s of an N-page scan instead")
    args = parser.parse_args()
    if args.speed:
        speed(args.speed)
        return
    pdfs = source_pdfs()[: args.files or None]
    if args.detect:
        detection(pdfs, args.workers, args.max_pages)
        return
    engines: dict[str, Engine] = {"tesseract": tesseract_engine}
    rapid = None if args.no_rapidocr else rapidocr_engine()
    if rapid is not None:
        engines["rapidocr"] = rapid
    accuracy(pdfs, args.pages, engines, args.verbose)


if __name__ == "__main__":
    main()
