"""Notices → plain columns (lists) of the tables holding each notice's own rows.

Made where the notices are made, in the ingest workers, which do not load Arrow: the writing process
turns these columns into Arrow tables (`store/arrow_tables.py`). Column names are those of
`store/tables.py`; `notices.published` stays text here and is cast to DATE on insert. The link
tables' columns of the same notices are made by `link/keys.py` (the ingest workers add them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from procurewatch.model import Evidence, Notice
from procurewatch.store.tables import OWN_TABLES, TABLE, PlainColumns


def plain_columns(notices: Sequence[Notice]) -> dict[str, PlainColumns]:
    """The columns of every table of `OWN_TABLES`, with these notices' rows."""
    cols: dict[str, dict[str, list[Any]]] = {
        name: {column: [] for column in TABLE[name].row_names} for name in OWN_TABLES
    }
    for n in notices:
        _add_notice(cols, n)
    return {name: dict(values) for name, values in cols.items()}


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
        "role": s.role if s.relevant else None,
        "ocr_confidence": n.ocr_confidence,
        "amount_notes": "; ".join(n.amount_notes) or None,
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
    for c in n.candidates:
        _append(
            parties,
            {"notice_id": n.id, "role": "candidate", "position": c.rank, "name": c.name, "vendor": None},
        )
    for i, a in enumerate(n.amounts):
        _append(
            cols["amounts"],
            {"notice_id": n.id, "position": i, "value": a.value, "currency": a.currency, "kind": a.kind},
        )
    for c in s.categories:
        _append(
            cols["findings"],
            {"notice_id": n.id, "category": c.id, "score": float(c.score), "role": c.role},
        )
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
