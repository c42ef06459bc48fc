"""Keeping notices: one DuckDB file, its schema and column specification, the batch writer and the
read indexes. Nothing here knows how notices are read, linked or searched."""
