"""What an ingest run did, and how it is shown at the end."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from procurewatch.model import SkippedInput

KEEP_SKIPPED = 1000  # skipped inputs kept for the summary; all of them are in the skipped list file
SHOW_SKIPPED = 20


def skipped_list_path(db_path: Path) -> Path:
    """The file beside the store that lists every input the last ingest skipped, one JSON object a line."""
    return db_path.with_name(db_path.name + ".skipped.jsonl")


def clear_skipped_list(db_path: Path) -> None:
    """Start a run with no list: what it holds afterwards is this run's."""
    skipped_list_path(db_path).unlink(missing_ok=True)


@dataclass
class IngestSummary:
    db_path: Path
    files: int = 0  # files opened and read
    files_unchanged: int = 0  # stored completely before with the same size and mtime: not re-read
    files_partial: int = 0  # some notices landed, some could not be read
    files_skipped: int = 0  # nothing landed
    notices_seen: int = 0
    notices_added: int = 0
    errors: int = 0  # every input (file or notice) that could not be read
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path[#locator], reason)
    batches: int = 0
    workers: int = 1
    seconds: float = 0.0  # whole run
    store_seconds: float = 0.0  # read, understand, detect, write
    linked: int = 0
    link_seconds: float = 0.0
    organisations: int = 0
    organisation_seconds: float = 0.0
    indexed: int = 0
    index_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # after-steps that failed (linking, index)
    notes: list[str] = field(default_factory=list)  # worth knowing, nothing lost

    @property
    def already_present(self) -> int:
        return self.notices_seen - self.notices_added

    @property
    def notices_per_second(self) -> float:
        return self.notices_seen / self.store_seconds if self.store_seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, for a summary made in another process (store/phases.py)."""
        return {**asdict(self), "db_path": str(self.db_path)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IngestSummary:
        known = {f.name for f in fields(cls)}
        summary = cls(**{k: v for k, v in data.items() if k in known})
        summary.db_path = Path(summary.db_path)
        summary.skipped = [(where, reason) for where, reason in summary.skipped]
        return summary

    def record_error(self, error: SkippedInput) -> None:
        self.errors += 1
        if len(self.skipped) < KEEP_SKIPPED:
            where = f"{error.path}#{error.locator}" if error.locator else error.path
            self.skipped.append((where, error.reason))
        line = json.dumps({"path": error.path, "locator": error.locator, "reason": error.reason})
        with open(skipped_list_path(self.db_path), "a", encoding="utf-8") as listing:
            listing.write(line + "\n")


def print_summary(summary: IngestSummary, console: Console) -> None:
    table = Table(
        title=f"ingest into {escape(str(summary.db_path))}", show_header=False, title_justify="left"
    )
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    table.add_row("files read", f"{summary.files:,}")
    if summary.files_unchanged:
        table.add_row("files unchanged (not re-read)", f"{summary.files_unchanged:,}")
    if summary.files_partial:
        table.add_row("files partly read", f"{summary.files_partial:,}")
    if summary.files_skipped:
        table.add_row("files skipped", f"{summary.files_skipped:,}")
    table.add_row("notices read", f"{summary.notices_seen:,}")
    table.add_row("notices added", f"{summary.notices_added:,}")
    table.add_row("notices already stored", f"{summary.already_present:,}")
    table.add_row("inputs skipped", f"{summary.errors:,}")
    table.add_row(
        "seconds storing",
        f"{summary.store_seconds:.1f}  ({summary.notices_per_second:,.0f} notices/s, "
        f"{summary.workers} worker(s))",
    )
    table.add_row("seconds linking", f"{summary.link_seconds:.1f}  ({summary.linked:,} notices linked)")
    table.add_row(
        "seconds organisations",
        f"{summary.organisation_seconds:.1f}  ({summary.organisations:,} organisations)",
    )
    table.add_row("seconds indexing", f"{summary.index_seconds:.1f}  ({summary.indexed:,} notices indexed)")
    table.add_row("seconds in all", f"{summary.seconds:.1f}")
    console.print(table)
    if summary.skipped:
        shown = summary.skipped[:SHOW_SKIPPED]
        console.print(
            f"[yellow]{summary.errors:,} input(s) could not be read and were skipped"
            f"{f' (first {len(shown)} shown)' if summary.errors > len(shown) else ''}:[/yellow]"
        )
        for where, reason in shown:
            console.print(f"  {escape(where)}: {escape(reason)}", highlight=False, soft_wrap=True)
        console.print(
            f"every skipped input, with its reason: {escape(str(skipped_list_path(summary.db_path)))}",
            highlight=False,
            soft_wrap=True,
        )
    for note in summary.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False, soft_wrap=True)
    for warning in summary.warnings:
        console.print(f"[red]warning:[/red] {escape(warning)}", highlight=False, soft_wrap=True)
