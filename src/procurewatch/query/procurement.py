"""The procurement page's data: a procurement's notices in phase order, each with its details and evidence,
the reviewers' decisions on it, and what an editor must check (`amount_flags`).

A notice the linker left on its own is shown as a procurement of one, under its own id.
"""

from __future__ import annotations

from typing import Any

import duckdb

from procurewatch.query import counts
from procurewatch.query.filters import Filters
from procurewatch.query.notices import dict_rows, in_list
from procurewatch.review import decisions

_NOTICE_COLUMNS = """n.id, n.title, n.notice_type, n.published, n.buyer, n.project_code, n.ocid, n.path,
    n.locator, n.url, n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score, n.role"""
_PHASE = """CASE n.notice_type WHEN 'tender' THEN 0 WHEN 'amendment' THEN 1 WHEN 'award' THEN 2
    WHEN 'contract' THEN 3 WHEN 'cancellation' THEN 4 ELSE 5 END"""
# the phases of one procurement in order: tender → amendment → award → contract, then by date
_PROCUREMENT_NOTICES = f"""
SELECT {_NOTICE_COLUMNS}, l.reason, l.score AS link_score, l.duplicate_of
FROM notice_links l JOIN notices n ON n.id = l.notice_id
WHERE l.procurement_id = ?
ORDER BY {_PHASE}, n.published NULLS LAST, n.id"""
_UNLINKED_NOTICE = f"""
SELECT {_NOTICE_COLUMNS}, 'unlinked' AS reason, 1.0 AS link_score, NULL AS duplicate_of
FROM notices n WHERE n.id = ? AND n.id NOT IN (SELECT notice_id FROM notice_links WHERE notice_id = n.id)"""

_PER_NOTICE = {
    # ocr_confidence through COLUMNS: a store made before it existed, opened read-only, has no such column
    "details": """SELECT id AS notice_id, title, body, attachments, country, province, city, district,
                  COLUMNS('^(language|ocr_confidence)$'), kind, path, locator
                  FROM notices WHERE id IN {ids}""",
    "parties": """SELECT notice_id, role, position, name, vendor FROM parties WHERE notice_id IN {ids}
                  ORDER BY notice_id, role, position""",
    "amounts": """SELECT notice_id, value, currency, kind FROM amounts WHERE notice_id IN {ids}
                  ORDER BY notice_id, position""",
    "findings": """SELECT notice_id, category, score, role FROM findings WHERE notice_id IN {ids}
                   ORDER BY notice_id, score DESC""",
    "items": """SELECT notice_id, description, scheme, code FROM items WHERE notice_id IN {ids}
                ORDER BY notice_id, position""",
    "evidence": """SELECT notice_id, subject_kind, subject, field, start_offset, end_offset, text
                   FROM evidence
                   WHERE notice_id IN {ids} ORDER BY notice_id, field, start_offset""",
}


def procurement(cur: duckdb.DuckDBPyConnection, pid: str) -> dict[str, Any] | None:
    """The procurement `pid` (or the unlinked notice of that id) with its notices, each carrying its
    details, parties, amounts, findings (with their role), items and evidence, and the reviewers'
    decisions on it (`reviews`, newest first: the first counts); None when there is neither."""
    proc = dict_rows(cur.execute("SELECT * FROM procurements WHERE id = ?", [pid]))
    notices = dict_rows(cur.execute(_PROCUREMENT_NOTICES, [pid]))
    if not notices:
        notices = dict_rows(cur.execute(_UNLINKED_NOTICE, [pid]))
    if not notices:
        return None
    ids = [n["id"] for n in notices]
    found = {name: _per_notice(cur, sql, ids) for name, sql in _PER_NOTICE.items()}
    details = {r["notice_id"]: r for r in found["details"]}
    for n in notices:
        n.update(details.get(n["id"], {}))
        for name in ("parties", "amounts", "findings", "items", "evidence"):
            n[name] = [r for r in found[name] if r["notice_id"] == n["id"]]
    reviews = [d.as_dict() for d in decisions.for_procurement(cur, pid)]
    return {"id": pid, "procurement": proc[0] if proc else None, "notices": notices, "reviews": reviews}


def amount_flags(cur: Any) -> dict[str, list[dict[str, Any]]]:
    """Procurement id → its flagged amounts (query/amount_checks.py, computed over the whole store, so read
    once and kept by a server): rule, evidence (a sentence) and the notices concerned."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in counts.flagged_amounts(cur, Filters(relevant_only=False)):
        out.setdefault(r["procurement_id"], []).append(
            {"rule": r["rule"], "evidence": r["evidence"], "notices": r["notices"]}
        )
    return out


def _per_notice(cur: duckdb.DuckDBPyConnection, sql: str, ids: list[str]) -> list[dict[str, Any]]:
    params: list[Any] = []
    return dict_rows(cur.execute(sql.format(ids=in_list(ids, params)), params))


def procurement_of(cur: duckdb.DuckDBPyConnection, notice_id: str) -> str | None:
    """The procurement a notice belongs to (its own id when unlinked); None for an unknown notice."""
    row = cur.execute(
        "SELECT coalesce(l.procurement_id, n.id) FROM notices n "
        "LEFT JOIN notice_links l ON l.notice_id = n.id WHERE n.id = ?",
        [notice_id],
    ).fetchall()
    return row[0][0] if row else None
