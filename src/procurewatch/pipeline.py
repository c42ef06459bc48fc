"""The pure middle of the flow: Document → Notice (understand) → findings (detect)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from procurewatch.detect import detect
from procurewatch.detect.detector import detection_texts
from procurewatch.detect.texts import NoticeTexts
from procurewatch.model import Document, Notice, SkippedInput
from procurewatch.parse import understand
from procurewatch.parse.notice import understand_many
from procurewatch.sources import iter_documents


def build_notice(doc: Document) -> Notice:
    """Understand a document and detect surveillance in it."""
    return _detected(understand(doc))


def _detected(notice: Notice, texts: NoticeTexts | None = None) -> Notice:
    found = detect(notice, texts)
    notice.surveillance = found.surveillance
    notice.vendors_mentioned = found.vendors_mentioned
    for party, vendor in zip(notice.suppliers, found.supplier_vendors, strict=False):
        party.vendor = vendor
    return notice


def notice_or_error(doc: Document) -> Notice | SkippedInput:
    """build_notice, with a failure reported as the notice's SkippedInput: a hostile notice must not stop a
    batch.
    """
    try:
        return build_notice(doc)
    except Exception as exc:
        return _failed(doc, exc)


def notices_or_errors(docs: Sequence[Document]) -> list[Notice | SkippedInput]:
    """notice_or_error of each document, detection's texts made for all of them at once (cheaper than a
    notice at a time: detect/detector.detection_texts)."""
    made: list[Notice | SkippedInput] = [
        _failed(doc, notice) if isinstance(notice, Exception) else notice
        for doc, notice in zip(docs, understand_many(docs), strict=True)
    ]
    understood = [notice for notice in made if isinstance(notice, Notice)]
    try:
        texts: Iterator[NoticeTexts | None] = iter(detection_texts(understood))
    except Exception:  # a notice whose texts fail: each is made alone, and fails as its own
        texts = iter([None] * len(understood))
    for i, (doc, notice) in enumerate(zip(docs, made, strict=True)):
        if isinstance(notice, Notice):
            try:
                made[i] = _detected(notice, next(texts))
            except Exception as exc:
                made[i] = _failed(doc, exc)
    return made


def _failed(doc: Document, exc: Exception) -> SkippedInput:
    return SkippedInput(doc.path, f"could not understand notice: {exc!r}", doc.locator)


def extract(
    paths: Iterable[str | Path], field_map: dict[str, str] | None = None
) -> Iterator[Notice | SkippedInput]:
    """Every notice under `paths`, understood and detected; unreadable inputs come as SkippedInput."""
    for item in iter_documents(paths, field_map=field_map):
        yield item if isinstance(item, SkippedInput) else notice_or_error(item)
