"""Image files (PNG, JPEG, TIFF; every frame of a TIFF is a page) → Document, read by OCR.

Pillow decodes; frames beyond the pixel cap of data/ocr.json are shrunk, and far beyond it refused,
so a decompression bomb costs nothing.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator

from procurewatch.errors import InputError
from procurewatch.model import Document
from procurewatch.sources.ocr import (
    DocumentReader,
    OcrText,
    OcrUnavailable,
    PageImage,
    engine_problem,
    settings,
)
from procurewatch.sources.ocr_pool import read_pages
from procurewatch.sources.pdf import PAGE_BREAK, cover_title
from procurewatch.sources.scans import blank, mean_confidence

IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
MAX_IMAGE_BYTES = 256 * 1024 * 1024


def looks_like_image(head: bytes) -> bool:
    return head.startswith(IMAGE_MAGICS)


def read_image(data: bytes, *, path: str, source_key: str) -> Document:
    """An image file (every frame of a TIFF is a page) read by OCR."""
    problem = engine_problem()
    if problem:
        raise OcrUnavailable(f"image file needs OCR, but {problem}; or pass --no-ocr to skip it")
    reader = DocumentReader()
    pages: list[str] = []
    found: list[OcrText] = []
    frames = ((number, image) for number, image in enumerate(_frames(data)) if not blank(image))
    for _, result in read_pages(frames, reader):
        pages.append(result.text)
        found.append(result)
    if not any(page.strip() for page in pages):
        raise InputError("image without readable text (OCR found none)")
    return Document(
        path=path,
        locator="",
        kind="image",
        title=cover_title(pages),
        body=PAGE_BREAK.join(pages),
        source_key=source_key,
        ocr_confidence=mean_confidence(found),
    )


def _frames(data: bytes) -> Iterator[PageImage]:
    from PIL import Image, ImageSequence  # loaded with the first image file

    limit = settings()["max_page_pixels"]
    try:
        with warnings.catch_warnings():  # the size is checked below, against data/ocr.json's cap
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
        with picture:
            for number, frame in enumerate(ImageSequence.Iterator(picture)):
                if number >= settings()["max_pages"]:
                    break
                width, height = frame.size
                if width * height > 4 * limit:
                    raise InputError(f"image of {width}×{height} pixels: too large to read")
                gray = frame.convert("L")
                if width * height > limit:
                    shrink = math.sqrt(limit / (width * height))
                    gray = gray.resize((max(1, int(width * shrink)), max(1, int(height * shrink))))
                yield PageImage(gray.width, gray.height, gray.tobytes())
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"cannot decode image: {exc}") from exc
