"""Problems the user can fix (a bad store path, nothing to ingest): reported as a message, never a traceback."""

from __future__ import annotations


class IngestUsageError(Exception):
    """Something about the command itself is wrong; the CLI prints the message and exits 2."""


class StoreError(IngestUsageError):
    """The store file cannot be opened or written (not a DuckDB file, unwritable, locked)."""


class NoInputsError(IngestUsageError):
    """The given paths hold no file to ingest."""
