"""Notices → one Arrow table per store table, ready for `INSERT ... SELECT` in one statement each.

Built where the notices are made (in the worker processes), so the writer only moves columns.
Column names match `schema.sql`; `notices.published` stays text here and is cast to DATE on insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from procurewatch.link_keys import LINK_SCHEMAS, link_tables
from procurewatch.model import Evidence, Notice

STR = pa.string()
INT = pa.int32()
DBL = pa.float64()
BOOL = pa.bool_()

SCHEMAS: dict[str, pa.Schema] = {
    "notices": pa.schema(
        [
            ("id", STR),
            ("fingerprint", STR),
            ("path", STR),
            ("locator", STR),
            ("url", STR),
            ("kind", STR),
            ("title", STR),
            ("body", STR),
            ("attachments", STR),
            ("notice_type", STR),
            ("published", STR),
            ("project_code", STR),
            ("ocid", STR),
            ("buyer", STR),
            ("language", STR),
            ("country", STR),
            ("province", STR),
            ("city", STR),
            ("district", STR),
            ("admin_code", STR),
            ("amount_value", DBL),
            ("amount_currency", STR),
            ("amount_kind", STR),
            ("relevant", BOOL),
            ("score", DBL),
            ("title_match", BOOL),
        ]
    ),
    "parties": pa.schema(
        [("notice_id", STR), ("role", STR), ("position", INT), ("name", STR), ("vendor", STR)]
    ),
    "amounts": pa.schema(
        [("notice_id", STR), ("position", INT), ("value", DBL), ("currency", STR), ("kind", STR)]
    ),
    "findings": pa.schema([("notice_id", STR), ("category", STR), ("score", DBL)]),
    "vendor_mentions": pa.schema([("notice_id", STR), ("vendor", STR)]),
    "evidence": pa.schema(
        [
            ("notice_id", STR),
            ("subject_kind", STR),
            ("subject", STR),
            ("field", STR),
            ("start_offset", INT),
            ("end_offset", INT),
            ("text", STR),
        ]
    ),
    "items": pa.schema(
        [("notice_id", STR), ("position", INT), ("description", STR), ("scheme", STR), ("code", STR)]
    ),
}

# What linking compares of each notice is made here too, so linking need not read bodies back.
SCHEMAS.update(LINK_SCHEMAS)

CHILD_TABLES: tuple[str, ...] = tuple(name for name in SCHEMAS if name != "notices")


def empty_tables() -> dict[str, pa.Table]:
    return {name: schema.empty_table() for name, schema in SCHEMAS.items()}


def notices_to_tables(notices: Sequence[Notice]) -> dict[str, pa.Table]:
    """Columns for every store table holding these notices' rows."""
    cols: dict[str, dict[str, list[Any]]] = {
        name: {f.name: [] for f in schema} for name, schema in SCHEMAS.items() if name not in LINK_SCHEMAS
    }
    for n in notices:
        _add_notice(cols, n)
    tables = {name: pa.table(values, schema=SCHEMAS[name]) for name, values in cols.items()}
    return tables | link_tables(tables["notices"])


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
