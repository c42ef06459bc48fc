"""Placeholder: replaced by the real field extractors (parse issue)."""

from __future__ import annotations

from procurewatch.model import Document, Notice, content_fingerprint, notice_id


def understand(doc: Document) -> Notice:
    fp = content_fingerprint(doc.title, doc.body, doc.attachments)
    return Notice(
        id=notice_id(doc.source_key or doc.path, doc.locator, fp),
        fingerprint=fp,
        path=doc.path,
        locator=doc.locator,
        kind=doc.kind,
        title=doc.title,
        body=doc.body,
        attachments=doc.attachments,
        url=doc.url,
    )
