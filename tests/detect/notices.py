"""The notice the detection tests write: only the fields detection reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from procurewatch.model import Notice, Party


def make(
    title: str = "",
    body: str = "",
    attachments: str = "",
    suppliers: Iterable[str] = (),
    items: Iterable[dict[str, Any]] = (),
) -> Notice:
    return Notice(
        id="t",
        fingerprint="f",
        path="p",
        locator="l",
        kind="record",
        title=title,
        body=body,
        attachments=attachments,
        suppliers=[Party(s) for s in suppliers],
        items=list(items),
    )
