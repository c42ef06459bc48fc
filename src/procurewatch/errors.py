"""Every error procurewatch raises on purpose has one root, `ProcurewatchError`.

Each says what is wrong and, where the user can act, what to do. The command line maps them to exit
codes (cli.py): `UsageError` → 2 (the command or a value in it is wrong), `StepError` → 1 (an ingest step
failed; what was committed is kept). The web app maps `UsageError` to 422 with a JSON error.
"""

from __future__ import annotations


class ProcurewatchError(Exception):
    """The root of every error procurewatch raises on purpose."""


class UsageError(ProcurewatchError):
    """Something in the command or request is wrong; the message says what and how to fix it."""


class StoreError(UsageError):
    """The store file cannot be opened or written (not a DuckDB file, unwritable, locked)."""


class NoInputsError(UsageError):
    """The given paths hold no file to ingest."""


class FilterError(UsageError, ValueError):
    """A filter name or value that procurewatch does not understand; lists what it does."""

    def __init__(self, name: str, value: str | None, reason: str, valid: list[str] | None = None):
        self.name, self.value, self.valid = name, value, valid or []
        shown = ""
        if self.valid:
            listed = ", ".join(self.valid[:40]) + (" …" if len(self.valid) > 40 else "")
            shown = f"; valid values: {listed}"
        where = f"{name}={value!r}" if value is not None else name
        super().__init__(f"{where}: {reason}{shown}")


class SearchError(UsageError, ValueError):
    """A full-text query that cannot be run (empty, or only exclusions)."""


class ExportError(UsageError, ValueError):
    """An export format or size that cannot be produced."""


class InputError(ProcurewatchError, ValueError):
    """One input file (or one notice in it) cannot be read; it is reported and skipped."""


class StepError(ProcurewatchError):
    """An ingest step (storing, linking, indexing) failed; every batch committed so far is kept."""
