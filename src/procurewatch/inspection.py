"""What a file gives, notice by notice: each extracted field with where it came from, and the source keys
that fed nothing. Meant for a new crawler's format: run it on one file and see at once which keys were
recognised, which facts came from tables or running text instead, and what was left unread.

    results = inspect_file("export.jsonl")          # one NoticeInspection per notice (or unreadable part)
    print(render_inspection(results))

Nothing is stored and detection is not run: this shows extraction only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from procurewatch.model import Document, Notice, SkippedInput
from procurewatch.parse.notice import explain
from procurewatch.privacy import mask_record
from procurewatch.sources import iter_documents
from procurewatch.sources.fields import KEY_USE

_SHOWN_FIELDS = (
    "title",
    "notice_type",
    "published",
    "buyer",
    "suppliers",
    "amount",
    "amounts",
    "amount_notes",
    "place",
    "project_code",
    "url",
    "items",
)
_VALUE_WIDTH = 100  # rendered values are cut here so that one long body does not hide the rest
_HINT_ORIGIN = {  # fields a reader states directly, named by the hint they came in
    "notice_type": "notice_type",
    "published": "published",
    "project_code": "project_code",
    "place": "region",
    "items": "items",
}
_KEY_FIELD = {  # the key_use name of each shown field
    "title": ("title",),
    "buyer": ("buyer",),
    "suppliers": ("supplier",),
    "published": ("published",),
    "project_code": ("project_code",),
    "url": ("url",),
    "notice_type": ("notice_type",),
    "place": ("region", "country"),
    "items": ("classification", "classification_text"),
}


@dataclass(slots=True)
class NoticeInspection:
    """One notice of the file (or a part that could not be read, with `skipped` set).

    fields:   extracted value per field name (JSON-ready: strings, lists, dicts, None)
    origins:  field name -> where the value came from, e.g. "key buyer_name",
              "HTML table: 采购人 → 示例中学", "text [120:131] 98765.00元 (award)"
    used_keys:   source key (dotted path of a scraped record) -> the field it fed
    unused_keys: source keys that fed no field (their text is still searched as the body)
    """

    path: str
    locator: str
    kind: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, list[str]] = field(default_factory=dict)
    used_keys: dict[str, str] = field(default_factory=dict)
    unused_keys: list[str] = field(default_factory=list)
    skipped: str | None = None


def inspect_file(
    path: str | Path, field_map: dict[str, str] | None = None, limit: int | None = None
) -> list[NoticeInspection]:
    """The notices in the file at `path` (any input procurewatch reads; the first `limit` when given),
    with the origin of each field.

    `field_map` is the same as `--field NAME=PATH` (e.g. {"buyer": "data.org.name"}).
    """
    results: list[NoticeInspection] = []
    for item in iter_documents([path], field_map=field_map):
        if limit is not None and len(results) >= limit:
            break
        if isinstance(item, SkippedInput):
            results.append(NoticeInspection(item.path, item.locator, skipped=item.reason))
            continue
        results.append(_inspect(item))
    return results


def _inspect(doc: Document) -> NoticeInspection:
    notice, trace = explain(doc)
    hints = doc.hints or {}
    key_use: dict[str, str] = dict(hints.get(KEY_USE) or {})
    fields = _fields(notice)
    origins: dict[str, list[str]] = {}
    by_field: dict[str, list[str]] = {}
    for key, fed in key_use.items():
        if fed:
            by_field.setdefault(fed.split(" ", 1)[0], []).append(key)
    for name in _SHOWN_FIELDS:
        if fields.get(name) in (None, [], ""):
            continue
        origins[name] = _origins(name, doc, trace, by_field)
    return NoticeInspection(
        path=doc.path,
        locator=doc.locator,
        kind=doc.kind,
        fields=fields,
        origins=origins,
        used_keys={k: v for k, v in key_use.items() if v},
        unused_keys=[k for k, v in key_use.items() if not v],
    )


def _origins(
    name: str, doc: Document, trace: dict[str, list[str]], by_field: dict[str, list[str]]
) -> list[str]:
    keys = [k for fed in _KEY_FIELD.get(name, ()) for k in by_field.get(fed, [])]
    if name == "amount":
        return ["the headline among `amounts`: award or contract before budget, a table's lots summed"]
    if name == "amount_notes":
        return ["figures rejected: above amount_limits.ceiling in data/figures.json, never counted"]
    if name in ("buyer", "suppliers", "amounts"):
        notes = list(dict.fromkeys(trace.get(name, [])))
        if name == "amounts" and by_field.get("amount"):
            keys = by_field["amount"]
        resolved = []
        for note in notes:
            if note.startswith("source field") and keys:
                resolved.extend(f"key {k}" for k in keys if f"key {k}" not in resolved)
            elif note.startswith("source field") and doc.kind == "ocds":
                if "OCDS release" not in resolved:
                    resolved.append("OCDS release")
            else:
                resolved.append(note)
        return resolved or [f"key {k}" for k in keys] or ["—"]
    if keys:
        return [f"key {k}" for k in keys]
    if doc.kind == "ocds":
        return ["OCDS release"]
    if name == "title":
        return [
            {
                "html": "page title or first heading",
                "pdf": "cover page",
                "image": "first lines read by OCR",
                "text": "first line",
            }.get(doc.kind, "—")
        ]
    if name == "url" and doc.kind == "html":
        return ["canonical link of the page"]
    if name in _HINT_ORIGIN and (doc.hints or {}).get(_HINT_ORIGIN[name]):
        return ["source field"]
    return ["text (title, body, url)"]


def _fields(notice: Notice) -> dict[str, Any]:
    place = notice.place
    return {
        "title": notice.title,
        "notice_type": notice.notice_type,
        "published": notice.published,
        "buyer": notice.buyer.name if notice.buyer else None,
        "suppliers": [p.name for p in notice.suppliers],
        "amount": _amount(notice.amount),
        "amounts": [_amount(a) for a in notice.amounts],
        "amount_notes": notice.amount_notes,
        "place": {k: v for k, v in vars_of(place).items() if v} if place else None,
        "project_code": notice.project_code,
        "url": notice.url,
        "items": notice.items,
    }


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _amount(amount: Any) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"value": amount.value, "currency": amount.currency, "kind": amount.kind}


def masked(result: NoticeInspection) -> NoticeInspection:
    """`result` with personal data masked in every value and origin (`inspect --mask`), as `extract --mask`
    masks a record; key names are the crawler's, kept."""
    return replace(result, fields=mask_record(result.fields), origins=mask_record(result.origins))


def render_inspection(results: list[NoticeInspection]) -> str:
    """Plain text, one block per notice: field, value, origin; then the keys used and left unused."""
    out: list[str] = []
    for result in results:
        where = f"{result.path}" + (f" [{result.locator}]" if result.locator else "")
        if result.skipped is not None:
            out.append(f"== {where}: not read ({result.skipped})")
            out.append("")
            continue
        out.append(f"== {where} ({result.kind})")
        width = max(len(name) for name in _SHOWN_FIELDS)
        for name in _SHOWN_FIELDS:
            value = result.fields.get(name)
            if value in (None, [], ""):
                out.append(f"  {name:<{width}}  —")
                continue
            out.append(f"  {name:<{width}}  {_short(_show(value))}")
            for origin in result.origins.get(name, []):
                out.append(f"  {'':<{width}}    ← {_short(origin)}")
        if result.used_keys or result.unused_keys:
            out.append("  keys used:")
            for key, fed in result.used_keys.items():
                out.append(f"    {key} → {fed}")
            out.append(
                f"  keys unused ({len(result.unused_keys)}): " + (", ".join(result.unused_keys) or "none")
            )
        out.append("")
    return "\n".join(out)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        if {"value", "currency", "kind"} <= value.keys():
            return f"{value['value']:,.2f} {value['currency']} ({value['kind']})"
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_show(v) for v in value)
    return str(value)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"
