"""Placeholder: replaced by the tantivy full-text index (explorer issue).

Contract: sync_index(db_path) -> int adds every stored notice missing from the index
(the index lives beside the store: <db>.index/) and returns how many it added.
"""

from __future__ import annotations

from pathlib import Path


def sync_index(db_path: Path) -> int:
    return 0
