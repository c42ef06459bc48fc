"""A person corrects the organisations: merge two, or split a name out of the one it was put in.

Kept by the names' keys (entities/keys.py) in `organisation_decisions`, never by organisation id, so a
correction holds through re-ingest (the same names give the same keys) and every rebuild of the
organisation tables; the build applies them (entities/resolve.py). `org-merge A B` joins the
organisations of A and B; `org-split A` takes the spelling A (and its case and width variants) out of
its organisation and out of the automatic rules. A later decision on a key wins over an earlier one.
An argument is a name as written, or an organisation id (o-…, v-<vendor>) from the explorer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from procurewatch.entities.keys import organisation_key
from procurewatch.entities.resolve import SPLIT_MARK, Decision, literal_key
from procurewatch.errors import UsageError
from procurewatch.review.decisions import default_reviewer

ACTIONS = ("merge", "split")


@dataclass(frozen=True, slots=True)
class Correction:
    id: int
    action: str
    name_a: str
    name_b: str | None
    note: str | None
    reviewer: str
    decided_at: str


def key_for(con: duckdb.DuckDBPyConnection, given: str) -> str:
    """The key a decision follows for a name or an organisation id; UsageError for neither."""
    given = given.strip()
    if given.startswith("v-"):
        row = con.execute("SELECT vendor FROM organisations WHERE id = ?", [given]).fetchone()
        if row and row[0]:
            return "vendor:" + row[0]
    if given.startswith("o-"):
        row = con.execute("SELECT key FROM organisations WHERE id = ?", [given]).fetchone()
        if row:
            return str(row[0])
    key = organisation_key(given)
    if not key:
        raise UsageError(f"{given!r} is neither an organisation's name nor its id")
    return key


def record_correction(
    con: duckdb.DuckDBPyConnection,
    action: str,
    name_a: str,
    name_b: str | None = None,
    note: str | None = None,
    reviewer: str | None = None,
) -> int:
    """Record a merge (of name_a's and name_b's organisations) or a split (of name_a); its id."""
    if action not in ACTIONS:
        raise UsageError(f"unknown correction {action!r}: one of {', '.join(ACTIONS)}")
    if action == "merge" and not (name_b or "").strip():
        raise UsageError("a merge needs two names or organisation ids")
    key_a = SPLIT_MARK + literal_key(name_a) if action == "split" else key_for(con, name_a)
    key_b = key_for(con, name_b) if action == "merge" and name_b else None
    if key_a == key_b:
        raise UsageError(f"{name_a!r} and {name_b!r} have one key already: they are one organisation")
    (next_id,) = con.execute("SELECT coalesce(max(id), 0) + 1 FROM organisation_decisions").fetchone() or (1,)
    con.execute(
        "INSERT INTO organisation_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            next_id,
            action,
            name_a.strip(),
            key_a,
            name_b.strip() if key_b else None,
            key_b,
            (note or "").strip() or None,
            (reviewer or "").strip() or default_reviewer(),
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )
    return int(next_id)


def decisions_of(con: duckdb.DuckDBPyConnection) -> list[Decision]:
    """Every correction in the order decided, as the resolver applies them."""
    rows = con.execute("SELECT action, key_a, coalesce(key_b, '') FROM organisation_decisions ORDER BY id")
    return [Decision(action, a, b) for action, a, b in rows.fetchall()]


def corrections(con: duckdb.DuckDBPyConnection) -> list[Correction]:
    rows = con.execute(
        """SELECT id, action, name_a, name_b, note, reviewer, CAST(decided_at AS VARCHAR)
           FROM organisation_decisions ORDER BY id"""
    ).fetchall()
    return [Correction(*row) for row in rows]
