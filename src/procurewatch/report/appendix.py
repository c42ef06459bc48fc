"""The procurements behind every figure of the report, for the HTML appendix.

One query reads the procurements the filters keep, with what the figures are keyed on (year, categories,
place, buyer, suppliers, vendors), their amount flags and one piece of evidence each (the matched text
with a little context from the notice's field, personal data masked) and the source URL. Each report row
is then matched to its procurements by the same keys the counting SQL groups on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from procurewatch.privacy import mask_personal_data
from procurewatch.query import counts as a
from procurewatch.query.filters import Filters

CONTEXT = 40  # characters of context on each side of the evidence

_BODY = f"""
, ev AS (
    SELECT m.procurement_id AS pid,
           arg_min(struct_pack(notice_id := e.notice_id, field := e.field, start_offset := e.start_offset,
                               end_offset := e.end_offset, category := e.subject),
                   (e.field <> 'title', e.notice_id, e.start_offset)) AS e
    FROM members m JOIN evidence e ON e.notice_id = m.notice_id
    WHERE e.subject_kind = 'category' AND m.procurement_id IN (SELECT id FROM fp)
    GROUP BY ALL
),
ev_text AS (
    SELECT ev.pid, ev.e.field AS field, ev.e.category AS evidence_category, n.url AS evidence_url,
           greatest(ev.e.start_offset - {CONTEXT}, 0) AS ctx_start, ev.e.start_offset AS ev_start,
           ev.e.end_offset AS ev_end,
           substring(CASE ev.e.field WHEN 'title' THEN n.title WHEN 'body' THEN n.body ELSE n.attachments END,
                     greatest(ev.e.start_offset - {CONTEXT}, 0) + 1,
                     ev.e.end_offset + {CONTEXT} - greatest(ev.e.start_offset - {CONTEXT}, 0)) AS context
    FROM ev JOIN notices n ON n.id = ev.e.notice_id
),
urls AS (
    SELECT m.procurement_id AS pid, min(n.url) FILTER (WHERE n.url IS NOT NULL) AS url
    FROM members m JOIN notices n ON n.id = m.notice_id WHERE m.procurement_id IN (SELECT id FROM fp)
    GROUP BY ALL
),
sup AS (
    SELECT m.procurement_id AS pid, list(DISTINCT p.name) AS suppliers,
           list(DISTINCT p.vendor) FILTER (WHERE p.vendor IS NOT NULL) AS award_vendors
    FROM members m JOIN parties p ON p.notice_id = m.notice_id
    WHERE p.role = 'supplier' AND m.procurement_id IN (SELECT id FROM fp) GROUP BY ALL
)
SELECT fp.id, fp.title, fp.buyer, fp.first_published, year(fp.first_published) AS year, fp.spend_value,
       fp.spend_currency, fp.spend_kind, fp.amount_flags, fp.country, fp.province, fp.city,
       coalesce((SELECT list(category ORDER BY category) FROM proc_categories c WHERE c.pid = fp.id), [])
           AS categories,
       coalesce(sup.suppliers, []) AS suppliers, coalesce(sup.award_vendors, []) AS award_vendors,
       coalesce((SELECT list(DISTINCT vendor) FROM proc_mentions v WHERE v.pid = fp.id), []) AS mentions,
       t.field AS evidence_field, t.evidence_category, t.context, t.ev_start - t.ctx_start AS mark_start,
       t.ev_end - t.ctx_start AS mark_end, coalesce(t.evidence_url, urls.url) AS url
FROM fp LEFT JOIN ev_text t ON t.pid = fp.id LEFT JOIN urls ON urls.pid = fp.id
LEFT JOIN sup ON sup.pid = fp.id
ORDER BY fp.first_published NULLS LAST, fp.id"""


def procurement_details(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    rows = a._query(con, f, _BODY, [])
    for row in rows:
        context = row.pop("context")
        start, end = row.pop("mark_start"), row.pop("mark_end")
        if context:
            masked = mask_personal_data(context)
            row["evidence"] = {
                "field": row.pop("evidence_field"),
                "category": row.pop("evidence_category"),
                "before": masked[:start],
                "text": masked[start:end],
                "after": masked[end:],
                "clipped": start >= CONTEXT,  # the context starts inside the field
            }
        else:
            row.pop("evidence_field")
            row.pop("evidence_category")
            row["evidence"] = None
        row["title"] = mask_personal_data(row["title"]) if row["title"] else row["title"]
        url = row.get("url") or ""
        row["url"] = url if url.lower().startswith(("http://", "https://")) else None
    return rows


Match = Callable[[dict[str, Any], dict[str, Any]], bool]


def _same(*keys: str) -> Match:
    return lambda row, p: all(row.get(k) == p.get(k) for k in keys)


def _in_year_category(row: dict[str, Any], p: dict[str, Any]) -> bool:
    if row.get("year") != p["year"]:
        return False
    if "category" not in row:
        return True
    return row["category"] in p["categories"] if row["category"] else not p["categories"]


def _growth(row: dict[str, Any], p: dict[str, Any]) -> bool:
    if p["year"] not in (row.get("base"), row.get("current")):
        return False
    if row.get("category") and row["category"] not in p["categories"]:
        return False
    return not row.get("spend_currency") or row["spend_currency"] == p["spend_currency"]


def _china(row: dict[str, Any], p: dict[str, Any]) -> bool:
    return (p.get("country") or "CN").upper() == "CN"


MATCHERS: dict[str, Match] = {
    "totals": lambda row, p: row.get("spend_currency") == p["spend_currency"],
    "by_year": _in_year_category,
    "by_year_category": _in_year_category,
    "growth": _growth,
    "flagged_amounts": lambda row, p: row["procurement_id"] == p["id"],
    "by_province": lambda row, p: _china(row, p) and row["province"] == p["province"],
    "by_prefecture": lambda row, p: (
        _china(row, p) and (row["province"], row["city"]) == (p["province"], p["city"])
    ),
    "by_country": _same("country"),
    "by_region": lambda row, p: (row["country"], row["region"]) == (p["country"], p["province"]),
    "top_buyers": _same("buyer"),
    "top_vendors_awards": lambda row, p: row["vendor"] in p["award_vendors"],
    "top_vendors_mentions": lambda row, p: row["vendor"] in p["mentions"],
    "top_suppliers": lambda row, p: row["supplier"] in p["suppliers"],
    "categories_by_vendor": lambda row, p: (
        row["category"] in p["categories"] and row["vendor"] in (*p["award_vendors"], *p["mentions"])
    ),
}


def build_appendix(
    con: duckdb.DuckDBPyConnection, f: Filters, sections: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """{"figures": {(section, row index): [procurement ids]}, "procurements": {id: details}}."""
    details = procurement_details(con, f)
    figures: dict[tuple[str, int], list[str]] = {}
    used: set[str] = set()
    for name, rows in sections.items():
        match = MATCHERS.get(name)
        if match is None:
            continue
        for i, row in enumerate(rows):
            ids = [p["id"] for p in details if match(row, p)]
            figures[(name, i)] = ids
            used.update(ids)
    return {"figures": figures, "procurements": {p["id"]: p for p in details if p["id"] in used}}
