"""Placeholder: replaced by linking (counting issue).

Contract: link_pending(con) -> int links every notice that has no notice_links row yet
into a procurement (incremental; never re-processes linked notices) and returns how many.
"""

from __future__ import annotations

import duckdb


def link_pending(con: duckdb.DuckDBPyConnection) -> int:
    return 0
