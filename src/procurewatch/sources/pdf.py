"""PDF tender documents → Document, from the text layer (pypdfium2). Pages are joined by a form feed
on its own line, so page breaks stay visible and no line runs across two pages.
"""

from __future__ import annotations

import re

from procurewatch.errors import InputError
from procurewatch.model import Document
from procurewatch.sources.fields import field_data
from procurewatch.sources.ocr import ocr_enabled
from procurewatch.sources.scans import ScannedPages

PAGE_BREAK = "\n\f\n"
MAX_PDF_BYTES_IN_MEMORY = 512 * 1024 * 1024
_LABEL = re.compile(r"^\s*([^:：]{1,14})\s*[:：]\s*(.*)$")
_PAGE_NUMBER = re.compile(r"^[\s\-—–·.]*(\d+|[ivxlc]+)[\s\-—–·.]*$", re.IGNORECASE)
_DATE_LINE = re.compile(r"^[\d〇○零一二三四五六七八九十\s]{4,}年[\d〇○零一二三四五六七八九十\s]{1,3}月")
_ENUMERATOR = re.compile(r"^[(（]?[\d一二三四五六七八九十]{1,3}[、.．)）]\s*")
_TOC_LINE = re.compile(r"\.{5,}|…{2,}|·{5,}|^第[一二三四五六七八九十\d]+[章部节篇]")
_BRACKETED = re.compile(r"^[（(【\[][^）)】\]]*[）)】\]]$")
_SPACE_INSIDE = re.compile(r"\s+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


class PdfError(InputError):
    """The PDF cannot be read (encrypted, damaged, or without a text layer)."""


def read_pdf(source: str | bytes, *, path: str, source_key: str) -> Document:
    """`source` is a path on disk (read by pdfium without loading it) or the file's bytes. Pages
    without a text layer are read by OCR unless it is turned off (`--no-ocr`)."""
    scanned = ScannedPages() if ocr_enabled() else None
    pages = pdf_pages(source, scanned)
    if not any(page.strip() for page in pages):
        if scanned is not None:
            raise PdfError(f"no text layer in {len(pages)} page(s), and OCR found no text on them")
        raise PdfError(
            f"no text layer in {len(pages)} page(s): a scanned PDF needs OCR, which is not supported"
        )
    body = PAGE_BREAK.join(pages)
    return Document(
        path=path,
        locator="",
        kind="pdf",
        title=cover_title(pages),
        body=body,
        source_key=source_key,
        ocr_confidence=scanned.confidence if scanned else None,
    )


def pdf_pages(source: str | bytes, scanned: ScannedPages | None = None) -> list[str]:
    import pypdfium2 as pdfium  # loaded with the first PDF: ~5 MB in every process that reads none

    try:
        document = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        raise PdfError(_reason(str(exc))) from exc
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    texts.append(_tidy(textpage.get_text_bounded()))
                finally:
                    textpage.close()
            finally:
                page.close()
        if scanned is not None:
            try:
                scanned.fill(document, texts)
            except InputError as exc:
                raise PdfError(str(exc)) from exc
        return texts
    except pdfium.PdfiumError as exc:
        raise PdfError(f"damaged PDF: {exc}") from exc
    finally:
        document.close()


def _reason(message: str) -> str:
    lowered = message.lower()
    if "password" in lowered or "security" in lowered:
        return "encrypted PDF (needs a password)"
    if "format" in lowered:
        return "damaged or truncated PDF (pdfium: data format error)"
    return f"cannot open PDF: {message}"


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\ufffe", "")
    return _TRAILING_SPACE.sub("\n", text).strip("\n")


def cover_title(pages: list[str]) -> str:
    """The project name from the cover: a '项目名称：' line (with its wrapped continuation), else the first
    lines that are not a label, a page number, a date or the document type."""
    data = field_data()
    labels = {_squash(label) for label in data.pdf_title_labels}
    cover = [_ENUMERATOR.sub("", line.strip()) for page in pages[:5] for line in page.split("\n")]
    for i, line in enumerate(cover[:300]):
        match = _LABEL.match(line)
        if match and _squash(match.group(1)) in labels and match.group(2).strip():
            name = match.group(2).strip()
            if name.endswith(data.pdf_complete_endings):
                return name
            return _join([name, *_continuation(cover[i + 1 : i + 3])])
    collected: list[str] = []
    for line in cover[:80]:
        if _is_noise(line):
            if collected:
                break
            continue
        if _LABEL.match(line) or _squash(line) in data.pdf_stop_lines or len(_squash(line)) <= 1:
            if collected:
                break
            continue
        collected.append(line)
        if len(collected) == 3:
            break
    if collected:
        return _join(collected)
    return next((line for line in cover if line and not _is_noise(line)), "")


def _continuation(lines: list[str]) -> list[str]:
    """Wrapped remainder of a name: short lines that are not labels, stop words or dates."""
    data = field_data()
    taken = []
    for line in lines:
        if not line or _LABEL.match(line) or _is_noise(line) or _squash(line) in data.pdf_stop_lines:
            break
        if len(_squash(line)) > 40:
            break
        taken.append(line)
    return taken[:1]


def _is_noise(line: str) -> bool:
    squashed = _squash(line)
    return (
        not squashed
        or bool(_PAGE_NUMBER.match(line))
        or bool(_DATE_LINE.match(squashed))
        or bool(_BRACKETED.match(line.strip()))
        or bool(_TOC_LINE.search(line))
    )


def _squash(text: str) -> str:
    return _SPACE_INSIDE.sub("", text).strip("（）() ")


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if out and out[-1].isascii() and out[-1].isalnum() and line[:1].isascii() and line[:1].isalnum():
            out += " "
        out += line
    return out.strip()
