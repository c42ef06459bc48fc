"""The pure middle of the flow: Document → Notice (understand) → findings (detect)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from procurewatch.detect import detect
from procurewatch.model import Document, Notice, SourceError
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


def extract(
    paths: Iterable[str | Path], field_map: dict[str, str] | None = None
) -> Iterator[Notice | SourceError]:
    """Every notice under `paths`, understood and detected; unreadable inputs come as SourceError."""
    for item in iter_documents(paths, field_map=field_map):
        if isinstance(item, SourceError):
            yield item
            continue
        try:
            yield build_notice(item)
        except Exception as exc:  # a hostile notice must not stop the batch
            yield SourceError(item.path, f"could not understand notice: {exc!r}", item.locator)
