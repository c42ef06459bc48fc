"""The pure middle of the flow: Document → Notice (understand) → findings (detect)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from procurewatch.detect import detect
from procurewatch.model import Document, Notice, SkippedInput
from procurewatch.parse import understand
from procurewatch.sources import iter_documents


def build_notice(doc: Document) -> Notice:
    """Understand a document and detect surveillance in it."""
    notice = understand(doc)
    found = detect(notice)
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
        return SkippedInput(doc.path, f"could not understand notice: {exc!r}", doc.locator)


def extract(
    paths: Iterable[str | Path], field_map: dict[str, str] | None = None
) -> Iterator[Notice | SkippedInput]:
    """Every notice under `paths`, understood and detected; unreadable inputs come as SkippedInput."""
    for item in iter_documents(paths, field_map=field_map):
        yield item if isinstance(item, SkippedInput) else notice_or_error(item)
