"""Keeping notices: one DuckDB file (schema.sql) written in batches, plus the search index beside it.

Contract used by the rest of the package:
  run_ingest(paths, db_path, field_map, batch_size, console, *, workers=None, isolate=None) -> IngestSummary
      (store.ingest) reads, understands, detects and stores every notice under `paths` (store.storing);
      one transaction per batch over all tables; idempotent by notice id; records every input file in
      `files` (done | partial | skipped); then dedupe.link_pending(con) and search.sync_index(db)
      (store.phases). Big inputs run storing and linking in processes of their own.
      Raises store.errors.IngestUsageError (StoreError, NoInputsError) for problems the user fixes.
  open_store(db_path) -> DuckDBPyConnection   (store.db) the store with every table in place.

Modules: ingest (the phases in order), storing (the storing phase), phases (linking, indexing, a phase
in a child process), heap (freed memory given back), reading (files → chunks), work (chunk → plain
columns, runs in workers), parallel (ordered, bounded worker pool), rows (Notice → plain columns per
table, without Arrow), columns (those columns → Arrow tables), writer (one batch, one transaction),
summary (what a run did), search (full-text index; the explorer's).
"""
