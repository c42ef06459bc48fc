"""The rows the hand-off exports (FollowTheMoney, OCDS, SQLite) are made of: the selected notices with
their parties, findings and evidence, and the procurements they belong to with their amount flags."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from procurewatch.query.amount_checks import explain
from procurewatch.query.counts import base_ctes

_SELECTED = "pw_handoff_selected"


@dataclass
class HandoffRows:
    """Plain rows keyed for assembly: notices in procurement, date and id order; the rest by notice or
    procurement id."""

    notices: list[dict[str, Any]] = field(default_factory=list)
    parties: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    procurements: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


def _dicts(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in result.description]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def handoff_rows(cur: duckdb.DuckDBPyConnection, notice_ids: list[str]) -> HandoffRows:
    """Everything the exports need about `notice_ids` (already filtered) and their procurements."""
    cur.register(_SELECTED, pa.table({"id": pa.array(notice_ids, pa.string())}))
    try:
        return _read(cur)
    finally:
        cur.unregister(_SELECTED)


def _read(cur: duckdb.DuckDBPyConnection) -> HandoffRows:
    out = HandoffRows()
    base = base_ctes(cur)
    out.notices = _dicts(
        cur.execute(
            f"""WITH {base}
            SELECT n.id, m.procurement_id, n.url, n.kind, n.title, n.body, n.notice_type, n.published,
                   n.project_code, n.ocid, n.buyer, n.language, n.country, n.province, n.city, n.district,
                   n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score, n.title_match,
                   n.role
            FROM notices n JOIN {_SELECTED} s ON s.id = n.id JOIN members m ON m.notice_id = n.id
            ORDER BY m.procurement_id, n.published NULLS LAST, n.id"""
        )
    )
    for table, key, order in (
        ("parties", out.parties, "role, position"),
        ("findings", out.findings, "score DESC, category"),
        ("evidence", out.evidence, "field, start_offset, subject"),
    ):
        for row in _dicts(
            cur.execute(
                f"SELECT t.* FROM {table} t JOIN {_SELECTED} s ON s.id = t.notice_id "
                f"ORDER BY notice_id, {order}"
            )
        ):
            key[row.pop("notice_id")].append(row)
    pids = sorted({n["procurement_id"] for n in out.notices})
    cur.register("pw_handoff_pids", pa.table({"id": pa.array(pids, pa.string())}))
    try:
        procs = _dicts(
            cur.execute(
                f"""WITH {base}
                SELECT p.*, (SELECT list(category ORDER BY category) FROM proc_categories c
                             WHERE c.pid = p.id) AS categories
                FROM procs p JOIN pw_handoff_pids s ON s.id = p.id"""
            )
        )
        flags = _dicts(
            cur.execute(
                f"""WITH {base}
                SELECT af.* FROM amount_flags af JOIN pw_handoff_pids s ON s.id = af.pid
                ORDER BY af.pid, af.rule"""
            )
        )
    finally:
        cur.unregister("pw_handoff_pids")
    out.procurements = {p["id"]: p for p in procs}
    for flag in flags:
        out.flags[flag["pid"]].append({"rule": flag["rule"], "evidence": explain(flag)})
    return out
