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

# The columns of each table's rows, in the order the row tuples below hold them.
_NOTICE = (
    "id", "fingerprint", "path", "locator", "url", "kind", "title", "body", "attachments", "notice_type",
    "published", "project_code", "ocid", "buyer", "language", "country", "province", "city", "district",
    "admin_code", "amount_value", "amount_currency", "amount_kind", "relevant", "score", "title_match",
    "role", "ocr_confidence", "amount_notes",
)  # fmt: skip
_ORDER: dict[str, tuple[str, ...]] = {
    "notices": _NOTICE,
    "parties": ("notice_id", "role", "position", "name", "vendor"),
    "amounts": ("notice_id", "position", "value", "currency", "kind"),
    "findings": ("notice_id", "category", "score", "role"),
    "vendor_mentions": ("notice_id", "vendor"),
    "evidence": ("notice_id", "subject_kind", "subject", "field", "start_offset", "end_offset", "text"),
    "items": ("notice_id", "position", "description", "scheme", "code"),
}

Row = tuple[Any, ...]


def plain_columns(notices: Sequence[Notice]) -> dict[str, PlainColumns]:
    """The columns of every table of `OWN_TABLES`, with these notices' rows."""
    rows: dict[str, list[Row]] = {name: [] for name in OWN_TABLES}
    for n in notices:
        _add_notice(rows, n)
    return {name: _columns(name, table_rows) for name, table_rows in rows.items()}


def _columns(name: str, rows: list[Row]) -> PlainColumns:
    """The rows of one table turned into its columns, in the table's order."""
    order = _ORDER[name]
    values = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in order]
    by_name = dict(zip(order, values, strict=True))
    return {column: by_name[column] for column in TABLE[name].row_names}


def _add_notice(rows: dict[str, list[Row]], n: Notice) -> None:
    place = n.place
    amount = n.amount
    s = n.surveillance
    nid = n.id
    rows["notices"].append(
        (
            nid, n.fingerprint, n.path, n.locator, n.url, n.kind, n.title, n.body, n.attachments,
            n.notice_type, n.published, n.project_code, n.ocid, n.buyer.name if n.buyer else None,
            n.language,
            place.country if place else None,
            place.province if place else None,
            place.city if place else None,
            place.district if place else None,
            place.admin_code if place else None,
            amount.value if amount else None,
            amount.currency if amount else None,
            amount.kind if amount else None,
            bool(s.relevant),
            float(s.score),
            any(e.field == "title" for c in s.categories for e in c.evidence),
            s.role if s.relevant else None,
            n.ocr_confidence,
            "; ".join(n.amount_notes) or None,
        )
    )  # fmt: skip

    parties = rows["parties"]
    if n.buyer is not None:
        parties.append((nid, "buyer", 0, n.buyer.name, n.buyer.vendor))
    for i, p in enumerate(n.suppliers):
        parties.append((nid, "supplier", i, p.name, p.vendor))
    for c in n.candidates:
        parties.append((nid, "candidate", c.rank, c.name, None))
    amounts = rows["amounts"]
    for i, a in enumerate(n.amounts):
        amounts.append((nid, i, a.value, a.currency, a.kind))
    evidence = rows["evidence"]
    for c in s.categories:
        rows["findings"].append((nid, c.id, float(c.score), c.role))
        _add_evidence(evidence, nid, "category", c.id, c.evidence)
    for v in n.vendors_mentioned:
        rows["vendor_mentions"].append((nid, v.vendor))
        _add_evidence(evidence, nid, "vendor", v.vendor, v.evidence)
    items = rows["items"]
    for i, item in enumerate(n.items):
        items.append(
            (
                nid,
                i,
                _text_or_none(item.get("description")),
                _text_or_none(item.get("scheme")),
                _text_or_none(item.get("id")),
            )
        )


def _add_evidence(rows: list[Row], notice_id: str, kind: str, subject: str, evidence: list[Evidence]) -> None:
    rows.extend((notice_id, kind, subject, e.field, e.start, e.end, e.text) for e in evidence)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
