"""The CPU half of ingest: Documents → Notices → Arrow columns. Runs in worker processes (or inline).

Pure apart from the package data the parser and detector load once per process; importable by
name so a `spawn` pool can pickle a reference to `build_chunk`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from procurewatch.model import Document, Notice, SourceError
from procurewatch.pipeline import build_notice
from procurewatch.store.columns import notices_to_tables


@dataclass(slots=True)
class ChunkResult:
    tables: dict[str, pa.Table]
    ids: list[str]
    per_path: Counter[str] = field(default_factory=Counter)  # notices made, per file
    errors: list[SourceError] = field(default_factory=list)  # notices that could not be understood


def build_chunk(docs: list[Document]) -> ChunkResult:
    notices: list[Notice] = []
    errors: list[SourceError] = []
    per_path: Counter[str] = Counter()
    for doc in docs:
        try:
            notices.append(build_notice(doc))
            per_path[doc.path] += 1
        except Exception as exc:  # one hostile notice must not lose the rest of the chunk
            errors.append(SourceError(doc.path, f"could not understand notice: {exc!r}", doc.locator))
    return ChunkResult(
        tables=notices_to_tables(notices),
        ids=[n.id for n in notices],
        per_path=per_path,
        errors=errors,
    )
