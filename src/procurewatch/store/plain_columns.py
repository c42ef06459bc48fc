"""Notices → plain columns (lists) of the tables holding each notice's own rows.

Made where the notices are made, in the ingest workers, which do not load Arrow: the writing process
turns these columns into Arrow tables (`store/arrow_tables.py`). Column names are those of
`store/tables.py`; `notices.published` stays text here and is cast to DATE on insert. The link
tables' columns of the same notices are made by `link/keys.py` (the ingest workers add them).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from procurewatch.model import CategoryFinding, Evidence, Notice
from procurewatch.store.tables import OWN_TABLES, TABLE, PlainColumns

# The columns of each table's rows but the notices' (made a column at a time), in the order the row
# tuples below hold them.
_ORDER: dict[str, tuple[str, ...]] = {
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
    rows: dict[str, list[Row]] = {name: [] for name in _ORDER}
    for n in notices:
        _add_rows(rows, n)
    tables = {name: _columns(name, table_rows) for name, table_rows in rows.items()}
    tables["notices"] = _notice_columns(notices)
    return {name: tables[name] for name in OWN_TABLES}


def _notice_columns(notices: Sequence[Notice]) -> PlainColumns:
    """The notices table's columns: one row a notice, made a column at a time."""
    places = [n.place for n in notices]
    amounts = [n.amount for n in notices]
    found = [n.surveillance for n in notices]
    columns: PlainColumns = {
        "id": [n.id for n in notices],
        "fingerprint": [n.fingerprint for n in notices],
        "path": [n.path for n in notices],
        "locator": [n.locator for n in notices],
        "url": [n.url for n in notices],
        "kind": [n.kind for n in notices],
        "title": [n.title for n in notices],
        "body": [n.body for n in notices],
        "attachments": [n.attachments for n in notices],
        "notice_type": [n.notice_type for n in notices],
        "published": [n.published for n in notices],
        "project_code": [n.project_code for n in notices],
        "ocid": [n.ocid for n in notices],
        "buyer": [n.buyer.name if n.buyer else None for n in notices],
        "language": [n.language for n in notices],
        "country": [p.country if p else None for p in places],
        "province": [p.province if p else None for p in places],
        "city": [p.city if p else None for p in places],
        "district": [p.district if p else None for p in places],
        "admin_code": [p.admin_code if p else None for p in places],
        "amount_value": [a.value if a else None for a in amounts],
        "amount_currency": [a.currency if a else None for a in amounts],
        "amount_kind": [a.kind if a else None for a in amounts],
        "relevant": [bool(s.relevant) for s in found],
        "score": [float(s.score) for s in found],
        # some category evidence lies in the title
        "title_match": [bool(s.categories) and _in_title(s.categories) for s in found],
        "role": [s.role if s.relevant else None for s in found],
        "ocr_confidence": [n.ocr_confidence for n in notices],
        "amount_notes": ["; ".join(n.amount_notes) or None for n in notices],
    }
    return {column: columns[column] for column in _row_names("notices")}


def _columns(name: str, rows: list[Row]) -> PlainColumns:
    """The rows of one table turned into its columns, in the table's order."""
    order = _ORDER[name]
    values = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in order]
    by_name = dict(zip(order, values, strict=True))
    return {column: by_name[column] for column in _row_names(name)}


@cache
def _row_names(name: str) -> tuple[str, ...]:
    return TABLE[name].row_names


def _add_rows(rows: dict[str, list[Row]], n: Notice) -> None:
    """The notice's rows of the tables but the notices'."""
    s = n.surveillance
    nid = n.id
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


def _in_title(categories: list[CategoryFinding]) -> bool:
    """Whether some evidence of these categories lies in the title."""
    return any(e.field == "title" for c in categories for e in c.evidence)


def _add_evidence(rows: list[Row], notice_id: str, kind: str, subject: str, evidence: list[Evidence]) -> None:
    rows.extend((notice_id, kind, subject, e.field, e.start, e.end, e.text) for e in evidence)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
