"""TED notices as XML → Document: eForms (UBL) and the older TED_EXPORT schema (R2.0.8/R2.0.9).

The XML is parsed without a DTD, entities or network access; a file that declares a DOCTYPE or entities
is refused (no TED notice has one, and they are how XML bombs and external-entity reads arrive).
Namespaces are dropped after parsing: the schemas' versions differ only in namespace URIs.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from procurewatch.model import Document
from procurewatch.sources import ted_eforms, ted_legacy
from procurewatch.sources.ted_model import TedNotice, nuts_name, nuts_region, table

_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")
_PROLOG = re.compile(rb"\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*", re.DOTALL)


class TedXmlError(ValueError):
    """The file looks like a TED notice but cannot be read safely."""


def looks_like_ted(head: bytes) -> bool:
    """True when the root element of an XML file is an eForms notice or a TED_EXPORT."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"<"):
        return False
    prolog = _PROLOG.match(start)
    rest = start[prolog.end() if prolog else 0 :]
    found = _ROOT_TAG.match(rest)
    if found is None:
        return False
    name = found.group(2).decode("ascii", "replace")
    if name == table()["legacy_root"]:
        return True
    return name in table()["eforms_roots"] and table()["eforms_namespace"].encode() in head[:8192]


def parse_xml(data: bytes) -> etree._Element:
    """The document's root with namespaces removed from element names. Raises TedXmlError."""
    if _DECLARATION.search(data[:65536]) or b"<!ENTITY" in data:
        raise TedXmlError("XML with a DOCTYPE or entity declarations: refused (no TED notice has one)")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise TedXmlError(f"broken XML: {exc}") from exc
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
    return root


def to_document(notice: TedNotice, path: str, source_key: str) -> Document:
    hints: dict[str, Any] = {
        "notice_type": notice.phase or notice.notice_type,
        "items": [{"description": d, "scheme": "CPV", "id": c} for c, d in notice.cpv],
        "amounts": notice.amounts,
    }
    optional = {
        "buyer": notice.buyers[0] if notice.buyers else None,
        "suppliers": notice.winners,
        "published": notice.published,
        "country": notice.country,
        "region": _region(notice),
        "language": notice.language,
        "project_code": notice.project_code,
        "source_schema": notice.schema,
    }
    hints.update({k: v for k, v in optional.items() if v})
    return Document(
        path=path,
        locator=notice.locator,
        kind="ted",
        title=notice.title,
        body="\n".join(body_lines(notice)),
        url=notice.url,
        hints=hints,
        source_key=source_key,
    )


def _region(notice: TedNotice) -> str | None:
    """The NUTS code as written, with its name (the notice's own, else the NUTS table's)."""
    code = nuts_region(notice.nuts)
    if not code:
        return None
    return " ".join(p for p in (code, notice.nuts_name or nuts_name(code)) if p)


def body_lines(notice: TedNotice) -> list[str]:
    lines = [notice.title] if notice.title else []
    if notice.description and notice.description != notice.title:
        lines.append(notice.description)
    lines += [f"Buyer: {name}" for name in notice.buyers]
    for lot in notice.lots:
        head = " — ".join(p for p in (lot.title, lot.description) if p)
        if head and head != notice.title and lot.description != notice.description:
            lines.append(f"Lot {lot.id}: {head}" if lot.id else head)
    lines += [" ".join(p for p in ("CPV", code, description) if p) for code, description in notice.cpv]
    lines += [f"Winner: {name}" for name in notice.winners]
    for amount in notice.amounts:
        lot = f" (lot {amount['lot']})" if amount.get("lot") else ""
        lines.append(f"{amount['field']}: {amount['value']} {amount.get('currency') or ''}{lot}".rstrip())
    place = " ".join(p for p in (_region(notice) or "", notice.country or "") if p)
    if place:
        lines.append(f"Place: {place}")
    return lines


def read_ted_xml(data: bytes, *, path: str, source_key: str) -> Document:
    """One TED notice file → Document. Raises TedXmlError (a ValueError) when it cannot be read."""
    root = parse_xml(data)
    if root.tag == table()["legacy_root"]:
        notice = ted_legacy.read(root)
    elif root.tag in table()["eforms_roots"]:
        notice = ted_eforms.read(root)
    else:
        raise TedXmlError(f"not a TED notice (root element {root.tag})")
    if not notice.locator:
        notice.locator = path.rsplit("/", 1)[-1]
    return to_document(notice, path, source_key)
