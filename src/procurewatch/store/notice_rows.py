"""Notices → the rows of every store table, as plain columns (lists and NumPy arrays).

Made where the notices are made, in the ingest workers, which do not load Arrow: `store/columns.py`
turns these columns into Arrow tables in the writing process. Column names match `schema.sql`;
`notices.published` stays text here and is cast to DATE on insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from procurewatch.link.keys import LINK_COLUMNS, Column, link_rows
from procurewatch.model import Evidence, Notice

# Column names and types of every table a notice has rows in; the link tables' come from link_keys.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "notices": (
        ("id", "string"),
        ("fingerprint", "string"),
        ("path", "string"),
        ("locator", "string"),
        ("url", "string"),
        ("kind", "string"),
        ("title", "string"),
        ("body", "string"),
        ("attachments", "string"),
        ("notice_type", "string"),
        ("published", "string"),
        ("project_code", "string"),
        ("ocid", "string"),
        ("buyer", "string"),
        ("language", "string"),
        ("country", "string"),
        ("province", "string"),
        ("city", "string"),
        ("district", "string"),
        ("admin_code", "string"),
        ("amount_value", "float64"),
        ("amount_currency", "string"),
        ("amount_kind", "string"),
        ("relevant", "bool"),
        ("score", "float64"),
        ("title_match", "bool"),
    ),
    "parties": (
        ("notice_id", "string"),
        ("role", "string"),
        ("position", "int32"),
        ("name", "string"),
        ("vendor", "string"),
    ),
    "amounts": (
        ("notice_id", "string"),
        ("position", "int32"),
        ("value", "float64"),
        ("currency", "string"),
        ("kind", "string"),
    ),
    "findings": (("notice_id", "string"), ("category", "string"), ("score", "float64")),
    "vendor_mentions": (("notice_id", "string"), ("vendor", "string")),
    "evidence": (
        ("notice_id", "string"),
        ("subject_kind", "string"),
        ("subject", "string"),
        ("field", "string"),
        ("start_offset", "int32"),
        ("end_offset", "int32"),
        ("text", "string"),
    ),
    "items": (
        ("notice_id", "string"),
        ("position", "int32"),
        ("description", "string"),
        ("scheme", "string"),
        ("code", "string"),
    ),
}
# What linking compares of each notice is made here too, so linking need not read bodies back.
COLUMNS.update(LINK_COLUMNS)

TableColumns = dict[str, Column]


def notice_columns(notices: Sequence[Notice]) -> dict[str, TableColumns]:
    """Columns for every store table holding these notices' rows."""
    cols: dict[str, dict[str, list[Any]]] = {
        name: {column: [] for column, _ in spec} for name, spec in COLUMNS.items() if name not in LINK_COLUMNS
    }
    for n in notices:
        _add_notice(cols, n)
    notice_cols = cols["notices"]
    link = link_rows(
        *(notice_cols[c] for c in ("id", "title", "body", "buyer", "project_code", "notice_type"))
    )
    out: dict[str, TableColumns] = {name: dict(values) for name, values in cols.items()}
    return out | link.columns


def _add_notice(cols: dict[str, dict[str, list[Any]]], n: Notice) -> None:
    place = n.place
    amount = n.amount
    s = n.surveillance
    row: dict[str, Any] = {
        "id": n.id,
        "fingerprint": n.fingerprint,
        "path": n.path,
        "locator": n.locator,
        "url": n.url,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "attachments": n.attachments,
        "notice_type": n.notice_type,
        "published": n.published,
        "project_code": n.project_code,
        "ocid": n.ocid,
        "buyer": n.buyer.name if n.buyer else None,
        "language": n.language,
        "country": place.country if place else None,
        "province": place.province if place else None,
        "city": place.city if place else None,
        "district": place.district if place else None,
        "admin_code": place.admin_code if place else None,
        "amount_value": amount.value if amount else None,
        "amount_currency": amount.currency if amount else None,
        "amount_kind": amount.kind if amount else None,
        "relevant": bool(s.relevant),
        "score": float(s.score),
        "title_match": any(e.field == "title" for c in s.categories for e in c.evidence),
    }
    _append(cols["notices"], row)

    parties = cols["parties"]
    if n.buyer is not None:
        buyer = {
            "notice_id": n.id,
            "role": "buyer",
            "position": 0,
            "name": n.buyer.name,
            "vendor": n.buyer.vendor,
        }
        _append(parties, buyer)
    for i, p in enumerate(n.suppliers):
        _append(
            parties,
            {"notice_id": n.id, "role": "supplier", "position": i, "name": p.name, "vendor": p.vendor},
        )
    for i, a in enumerate(n.amounts):
        _append(
            cols["amounts"],
            {"notice_id": n.id, "position": i, "value": a.value, "currency": a.currency, "kind": a.kind},
        )
    for c in s.categories:
        _append(cols["findings"], {"notice_id": n.id, "category": c.id, "score": float(c.score)})
        _add_evidence(cols["evidence"], n.id, "category", c.id, c.evidence)
    for v in n.vendors_mentioned:
        _append(cols["vendor_mentions"], {"notice_id": n.id, "vendor": v.vendor})
        _add_evidence(cols["evidence"], n.id, "vendor", v.vendor, v.evidence)
    for i, item in enumerate(n.items):
        _append(
            cols["items"],
            {
                "notice_id": n.id,
                "position": i,
                "description": _text_or_none(item.get("description")),
                "scheme": _text_or_none(item.get("scheme")),
                "code": _text_or_none(item.get("id")),
            },
        )


def _add_evidence(
    table: dict[str, list[Any]], notice_id: str, kind: str, subject: str, evidence: list[Evidence]
) -> None:
    for e in evidence:
        _append(
            table,
            {
                "notice_id": notice_id,
                "subject_kind": kind,
                "subject": subject,
                "field": e.field,
                "start_offset": e.start,
                "end_offset": e.end,
                "text": e.text,
            },
        )


def _append(table: dict[str, list[Any]], row: dict[str, Any]) -> None:
    for name, values in table.items():
        values.append(row.get(name))


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
