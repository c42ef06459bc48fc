"""Keeping notices: one DuckDB file and its tables (tables.py, the one place they are written down),
the notices' rows as plain columns (plain_columns.py) and as Arrow tables (arrow_tables.py), the batch
writer and the read indexes. Nothing here knows how notices are read, linked or searched."""
