"""Organisations for the explorer: the /buyers and /suppliers lists (from organisation_stats, built at
ingest), one organisation's page (what it bought or won, by year and category, its counterparts,
the spellings seen and the rule behind each), and the buyer–supplier network of any selection.

Procurements are counted once each (a buyer or supplier of any of their notices); spend is summed in
the organisation's most frequent currency only (the others are left out and the currency is shown).
Candidates ranked in candidate notices are listed apart and never counted as won.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from procurewatch.entities.keys import folded_name
from procurewatch.query.notices import dict_rows

ROLES = ("buyer", "supplier")
SORTS = {
    "procurements": "s.procurements",
    "surveillance": "s.surveillance",
    "spend": "s.spend_value",
    "first_year": "s.first_year",
    "last_year": "s.last_year",
    "categories": "len(string_split(coalesce(s.categories, ''), ','))",
    "counterparts": "s.counterparts",
    "name": "o.name",
}
PER_PAGE = 50
COUNTERPARTS_SHOWN = 25
PROCUREMENTS_SHOWN = 50
NETWORK_EDGES = 150
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class ListRequest:
    role: str
    q: str = ""
    sort: str = "procurements"
    descending: bool = True
    page: int = 1
    category: str = ""


def search_term(q: str) -> str:
    """A list search as the stored search_text holds names: folded, without spaces or punctuation."""
    return _NOT_WORD.sub("", folded_name(q))[:200]


def organisation_list(cur: duckdb.DuckDBPyConnection, req: ListRequest) -> tuple[list[dict[str, Any]], int]:
    """One page of organisations in a role, and how many there are in all."""
    conds, params = ["s.role = ?"], [req.role]
    if term := search_term(req.q):
        conds.append("contains(s.search_text, ?)")
        params.append(term)
    if req.category:
        conds.append("list_contains(string_split(coalesce(s.categories, ''), ','), ?)")
        params.append(req.category)
    where = " AND ".join(conds)
    order = SORTS.get(req.sort, SORTS["procurements"])
    direction = "DESC" if req.descending else "ASC"
    (total,) = cur.execute(f"SELECT count(*) FROM organisation_stats s WHERE {where}", params).fetchone() or (
        0,
    )
    rows = dict_rows(
        cur.execute(
            f"""SELECT o.id, o.name, o.vendor, o.parent_id, s.procurements, s.surveillance, s.spend_value,
                       s.spend_currency, s.first_year, s.last_year, s.categories, s.counterparts
                FROM organisation_stats s JOIN organisations o ON o.id = s.organisation_id
                WHERE {where} ORDER BY {order} {direction} NULLS LAST, o.id LIMIT ? OFFSET ?""",
            [*params, PER_PAGE, (max(1, req.page) - 1) * PER_PAGE],
        )
    )
    for r in rows:
        r["categories"] = [c for c in (r["categories"] or "").split(",") if c]
    return rows, int(total)


def organisation_of_name(cur: duckdb.DuckDBPyConnection, name: str) -> str | None:
    row = cur.execute("SELECT organisation_id FROM organisation_names WHERE name = ?", [name]).fetchone()
    return str(row[0]) if row else None


_MINE = "FROM organisation_procurements WHERE organisation_id = ? AND role = ?"


def organisation(cur: duckdb.DuckDBPyConnection, oid: str) -> dict[str, Any] | None:
    """Everything the organisation page shows, or None for an unknown id. Every query reads the
    organisation's own rows of the tables entities/build.py keeps (none scans the notices)."""
    head = dict_rows(cur.execute("SELECT * FROM organisations WHERE id = ?", [oid]))
    if not head:
        return None
    org = head[0]
    org["parent"] = _named(cur, org["parent_id"])
    org["children"] = dict_rows(
        cur.execute(
            """SELECT id, name, parent_rule FROM organisations WHERE parent_id = ?
               ORDER BY mentions DESC, id LIMIT 200""",
            [oid],
        )
    )
    org["names"] = dict_rows(
        cur.execute(
            """SELECT name, key, rule, roles AS role, mentions FROM organisation_names
               WHERE organisation_id = ? ORDER BY mentions DESC, name LIMIT 500""",
            [oid],
        )
    )
    org["stats"] = {
        r["role"]: r
        for r in dict_rows(cur.execute("SELECT * FROM organisation_stats WHERE organisation_id = ?", [oid]))
    }
    for role in ROLES:
        org[role] = _as_role(cur, oid, role) if role in org["stats"] else _EMPTY_ROLE
    org["candidate"] = _latest(cur, oid, "candidate")
    return org


_EMPTY_ROLE: dict[str, list[Any]] = {"by_year": [], "by_category": [], "counterparts": [], "latest": []}


def _named(cur: duckdb.DuckDBPyConnection, oid: str | None) -> dict[str, Any] | None:
    if not oid:
        return None
    rows = dict_rows(cur.execute("SELECT id, name FROM organisations WHERE id = ?", [oid]))
    return rows[0] if rows else None


def _as_role(cur: duckdb.DuckDBPyConnection, oid: str, role: str) -> dict[str, Any]:
    """Its procurements as buyer (or supplier): by year, by category, counterparts, the latest ones."""
    other = "supplier" if role == "buyer" else "buyer"
    by_year = dict_rows(
        cur.execute(
            f"""SELECT year, count(*) AS procurements, count(*) FILTER (WHERE relevant) AS surveillance
                {_MINE} GROUP BY 1 ORDER BY 1""",
            [oid, role],
        )
    )
    by_category = dict_rows(
        cur.execute(
            f"""SELECT c AS category, count(*) AS procurements
                FROM (SELECT unnest(string_split(categories, ',')) AS c {_MINE} AND categories IS NOT NULL)
                GROUP BY 1 ORDER BY 2 DESC, 1""",
            [oid, role],
        )
    )
    counterparts = dict_rows(
        cur.execute(
            f"""WITH mine AS (SELECT procurement_id {_MINE})
                SELECT b.organisation_id AS id, any_value(o.name) AS name, count(*) AS procurements
                FROM organisation_procurements b JOIN mine ON mine.procurement_id = b.procurement_id
                JOIN organisations o ON o.id = b.organisation_id
                WHERE b.role = ? AND b.organisation_id <> ? GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT ?""",
            [oid, role, other, oid, COUNTERPARTS_SHOWN],
        )
    )
    return {
        "by_year": by_year,
        "by_category": by_category,
        "counterparts": counterparts,
        "latest": _latest(cur, oid, role),
    }


def _latest(cur: duckdb.DuckDBPyConnection, oid: str, role: str) -> list[dict[str, Any]]:
    """Its latest procurements in a role, with an evidence text; titles and dates by id (indexed)."""
    mine = dict_rows(
        cur.execute(
            f"""SELECT procurement_id AS id, rank, relevant, spend_value, spend_currency, evidence
                {_MINE} ORDER BY year DESC NULLS LAST, procurement_id DESC LIMIT ?""",
            [oid, role, PROCUREMENTS_SHOWN],
        )
    )
    if not mine:
        return []
    ids = [r["id"] for r in mine]
    marks = ", ".join("?" * len(ids))
    heads = {
        r[0]: r[1:]
        for r in cur.execute(
            f"SELECT id, title, first_published FROM procurements WHERE id IN ({marks})", ids
        ).fetchall()
    }
    for r in mine:
        r["title"], r["first_published"] = heads.get(r["id"], (None, None))
    return sorted(mine, key=lambda r: (r["first_published"] is not None, r["first_published"]), reverse=True)


def network(
    cur: duckdb.DuckDBPyConnection, procurement_ids: list[str] | None, relevant_only: bool = False
) -> dict[str, Any]:
    """Buyer–supplier edges (procurements between them) of these procurements (None: every one), the
    NETWORK_EDGES strongest, with their nodes; `relevant_only` keeps surveillance procurements."""
    scope = "AND b.relevant" if relevant_only else ""
    if procurement_ids is not None:
        cur.register("pw_network_ids", pa.table({"pid": procurement_ids}))
        scope += " AND b.procurement_id IN (SELECT pid FROM pw_network_ids)"
    try:
        edges = cur.execute(
            f"""SELECT b.organisation_id, s.organisation_id, count(*) AS k
                FROM organisation_procurements b JOIN organisation_procurements s
                    ON s.procurement_id = b.procurement_id AND s.role = 'supplier'
                WHERE b.role = 'buyer' AND b.organisation_id <> s.organisation_id {scope}
                GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?""",
            [NETWORK_EDGES],
        ).fetchall()
    finally:
        if procurement_ids is not None:
            cur.unregister("pw_network_ids")
    ids = sorted({e[0] for e in edges} | {e[1] for e in edges})
    names = dict(
        cur.execute("SELECT id, name FROM organisations WHERE list_contains(?, id)", [ids]).fetchall()
    )
    buyers = {e[0] for e in edges}
    nodes = [{"id": i, "name": names.get(i, i), "role": "buyer" if i in buyers else "supplier"} for i in ids]
    return {"nodes": nodes, "edges": [{"source": b, "target": s, "procurements": k} for b, s, k in edges]}
