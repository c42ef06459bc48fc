"""Indexes for the explorer's point lookups: a procurement's notices and each notice's rows.

Child tables are read by `notice_id IN (...)` and `notice_links` by `procurement_id = ?`; without
an index each lookup scans the whole table, which grows with the corpus. DuckDB's ART indexes
are kept up to date by DuckDB itself on every insert and delete, so they can never go stale;
`ensure_read_indexes` only creates the missing ones and is cheap to call again.

Nothing else is precomputed on disk: the server derives its in-memory facet columns and
procurement summaries from the store when it starts (it holds the store read-only, so they
cannot go stale while it runs).
"""

from __future__ import annotations

import duckdb

# (index name, table, column): every lookup the explorer and the analyses make by key
READ_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("pw_parties_notice", "parties", "notice_id"),
    ("pw_amounts_notice", "amounts", "notice_id"),
    ("pw_findings_notice", "findings", "notice_id"),
    ("pw_evidence_notice", "evidence", "notice_id"),
    ("pw_items_notice", "items", "notice_id"),
    ("pw_vendor_mentions_notice", "vendor_mentions", "notice_id"),
    ("pw_links_procurement", "notice_links", "procurement_id"),
)


def ensure_read_indexes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the read indexes that are missing (on a writable connection); return their names."""
    existing = {row[0] for row in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    created = []
    for name, table, column in READ_INDEXES:
        if name in existing or table not in tables:
            continue
        con.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")
        created.append(name)
    return created


def missing_read_indexes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the read indexes the store lacks (works on a read-only connection)."""
    existing = {row[0] for row in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    return [name for name, _, _ in READ_INDEXES if name not in existing]
