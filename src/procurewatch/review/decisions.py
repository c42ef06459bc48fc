"""A person has the last word: reviewers' decisions on procurements.

A decision is made on a procurement but kept by its member notices' fingerprints (table
`review_notices`), because procurement ids change when notices are linked differently. Reading
resolves each decision to the procurement(s) that hold any of those notices now, so a decision holds
through a re-ingest of the same files (even from another folder: the fingerprint is of the content),
re-linking and `index --rebuild`. When several decisions reach one procurement, the latest (highest
id) wins. A confirmed procurement counts as surveillance and a rejected one does not, whatever the
detector said (`condition`, used by query/counts.py).

Library API (the CLI's `review` commands and the web call these):
    record(db_path_or_con, procurement_id, "confirmed" | "rejected", categories=..., role=..., note=...,
           reviewer=...) -> Decision
    for_procurement(con, procurement_id) -> [Decision, ...]   newest first; [0] is the one that counts
    decisions(con) -> [Decision, ...]                         every decision, resolved to today's procurements
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from procurewatch import knowledge
from procurewatch.errors import FilterError, UsageError
from procurewatch.store.db import open_store

DECISIONS = ("confirmed", "rejected")
ROLES = ("primary", "component")

# The procurement each decision reaches today, through any notice with one of its fingerprints; a
# notice not linked yet is its own procurement (as in query/counts.py). The notices are found first
# (MATERIALIZED): joining them to notice_links after is 3x faster than one join of everything.
_REACHED = """
WITH reached AS MATERIALIZED (
    SELECT DISTINCT n.id, r.id AS review_id, r.decision, r.role
    FROM reviews r JOIN review_notices rn ON rn.review_id = r.id
    JOIN notices n ON n.fingerprint = rn.fingerprint
)
SELECT coalesce(l.procurement_id, m.id) AS pid, {}
FROM reached m LEFT JOIN notice_links l ON l.notice_id = m.id
GROUP BY 1"""

REACHES = _REACHED.format("m.review_id") + ", 2"  # (pid, review_id), each pair once
LATEST = _REACHED.format("arg_max(m.decision, m.review_id) AS decision")  # (pid, the decision that counts)
LATEST_ROLE = _REACHED.format("arg_max(m.role, m.review_id) AS role")  # (pid, the role that counts)


def condition(relevant_only: bool, reviewed: bool) -> str:
    """SQL over procurements `p`: surveillance as reviewers decided, else as detected (`relevant_only`);
    only procurements a reviewer confirmed (`reviewed`)."""
    decided = f"(SELECT d.decision FROM ({LATEST}) d WHERE d.pid = p.id)"
    if reviewed:
        return f"coalesce({decided} = 'confirmed', FALSE)"
    return f"coalesce({decided} = 'confirmed', p.relevant)" if relevant_only else "TRUE"


def role_condition() -> str:
    """SQL over procurements `p` that holds when the procurement's role is `?`: a reviewer's role where
    one gave it, else the detected one; a surveillance procurement detected without a role (a store made
    before roles) counts as primary."""
    reviewed_role = f"(SELECT d.role FROM ({LATEST_ROLE}) d WHERE d.pid = p.id)"
    return f"coalesce({reviewed_role}, p.role, 'primary') = ?"


class UnknownProcurement(UsageError):
    """No procurement (and no unlinked notice) has this id."""


@dataclass(frozen=True)
class Decision:
    id: int
    decision: str  # confirmed | rejected
    categories: list[str]
    role: str | None
    note: str | None
    reviewer: str
    decided_at: datetime  # UTC
    decided_on: str  # the procurement id when decided
    procurement_id: str | None  # the procurement it reaches today (None: its notices are gone)
    counts: bool = True  # False when a later decision on the same procurement supersedes it

    def as_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["decided_at"] = self.decided_at.isoformat(timespec="seconds") + "Z"
        return out


def default_reviewer() -> str:
    try:
        return os.environ.get("PROCUREWATCH_REVIEWER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def members(con: duckdb.DuckDBPyConnection, procurement_id: str) -> list[tuple[str, str, str, str]]:
    """(notice id, fingerprint, path, locator) of the procurement's notices today."""
    return con.execute(
        """SELECT n.id, n.fingerprint, n.path, n.locator
           FROM notice_links l JOIN notices n ON n.id = l.notice_id WHERE l.procurement_id = $1
           UNION
           SELECT n.id, n.fingerprint, n.path, n.locator FROM notices n
           WHERE n.id = $1 AND NOT EXISTS (SELECT 1 FROM notice_links l WHERE l.notice_id = n.id)
           ORDER BY 1""",
        [procurement_id],
    ).fetchall()


def record(
    store: Path | str | duckdb.DuckDBPyConnection,
    procurement_id: str,
    decision: str,
    *,
    categories: Iterable[str] = (),
    role: str | None = None,
    note: str | None = None,
    reviewer: str | None = None,
    decided_at: datetime | None = None,
) -> Decision:
    """Record a reviewer's decision on a procurement (or the procurement holding the notice of that
    id); return it. `store` is a store path (opened with
    `open_store`: a store in use by a server is refused with its message) or a writable connection.
    Raises UsageError (UnknownProcurement, a bad decision, role or category)."""
    if decision not in DECISIONS:
        raise UsageError(f"decision {decision!r}: expected one of {', '.join(DECISIONS)}")
    if role is not None and role not in ROLES:
        raise UsageError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    chosen = list(dict.fromkeys(c.strip().lower() for c in categories if c and c.strip()))
    unknown = [c for c in chosen if c not in knowledge.categories()]
    if unknown:
        raise FilterError("category", unknown[0], "unknown value", list(knowledge.categories()))
    if decision == "rejected" and (chosen or role):
        raise UsageError("a rejected procurement is not surveillance: it takes no category and no role")
    reviewer = (reviewer or "").strip() or default_reviewer()
    when = decided_at or datetime.now(UTC).replace(tzinfo=None)
    con = open_store(Path(store)) if isinstance(store, str | Path) else store
    try:
        notices = members(con, procurement_id)
        if not notices:  # the id of one of its notices will do, as on the explorer's /procurement/ID
            holder = con.execute(
                "SELECT procurement_id FROM notice_links WHERE notice_id = ?", [procurement_id]
            ).fetchone()
            procurement_id = holder[0] if holder else procurement_id
            notices = members(con, procurement_id) if holder else []
        if not notices:
            raise UnknownProcurement(
                f"no procurement or notice {procurement_id!r} in the store"
                " (the id is in the address of its page in the explorer: /procurement/ID)"
            )
        con.execute("BEGIN TRANSACTION")
        try:
            next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM reviews").fetchone()
            review_id = next_id[0] if next_id else 1
            con.execute(
                "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [review_id, decision, ",".join(chosen) or None, role, note, reviewer, when, procurement_id],
            )
            con.executemany(
                "INSERT INTO review_notices VALUES (?, ?, ?, ?, ?)",
                [[review_id, fp, nid, path, locator] for nid, fp, path, locator in notices],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return Decision(
            review_id, decision, chosen, role, note, reviewer, when, procurement_id, procurement_id
        )
    finally:
        if con is not store:
            con.close()


_SELECT = f"""
SELECT r.id, r.decision, r.categories, r.role, r.note, r.reviewer, r.decided_at, r.procurement_id,
       c.pid, (c.pid IS NULL OR r.id = max(r.id) OVER (PARTITION BY c.pid)) AS counts
FROM reviews r LEFT JOIN ({REACHES}) c ON c.review_id = r.id"""


def _read(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[Decision]:
    try:
        rows = con.execute(sql, params).fetchall()
    except duckdb.CatalogException:  # a store made before reviews, opened read-only: none yet
        return []
    return [
        Decision(rid, dec, cats.split(",") if cats else [], role, note, who, when, on, pid, counts)
        for rid, dec, cats, role, note, who, when, on, pid, counts in rows
    ]


def decisions(con: duckdb.DuckDBPyConnection) -> list[Decision]:
    """Every decision, newest first, each with the procurement it reaches today (one row per
    procurement when re-linking split its notices; procurement_id None when they are gone)."""
    return _read(con, f"{_SELECT} ORDER BY r.id DESC, c.pid", [])


def for_procurement(con: duckdb.DuckDBPyConnection, procurement_id: str) -> list[Decision]:
    """The decisions that reach this procurement today, newest first: the first is the one that counts.
    Works on a read-only connection."""
    return _read(con, f"SELECT * FROM ({_SELECT}) WHERE pid = ? ORDER BY id DESC", [procurement_id])
