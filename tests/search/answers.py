"""What a reader of the search index gets, to compare two indexes: every hit with its BM25 score and
every facet's counts, per query."""

from __future__ import annotations

from pathlib import Path

from procurewatch.search.index import (
    FACET_FIELDS,
    IndexedSearch,
    SearchIndex,
    index_dir_for,
    parse_user_query,
)


def search_answers(db: Path, queries: list[str]) -> dict[str, object]:
    index = SearchIndex(index_dir_for(db))
    out: dict[str, object] = {"documents": index.num_docs}
    for query in queries:
        hits = index.search(query).table()
        out[query] = sorted(
            zip(hits.column("id").to_pylist(), hits.column("hit_score").to_pylist(), strict=True)
        )
        facets = IndexedSearch(index, parse_user_query(query), {}).facet_counts(list(FACET_FIELDS))
        out[f"{query} facets"] = {name: sorted(counts) for name, counts in facets.items()}
    return out
