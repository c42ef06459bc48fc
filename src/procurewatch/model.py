"""Plain data passed between the stages: read → decode → understand → detect → keep → show.

`Document` is what a reader in `sources/` yields: one notice's text and the facts its
source already states (`hints`). `parse.understand` turns it into a `Notice`;
`detect.detect` adds the surveillance findings; `to_record` gives the stable JSON record.

Evidence offsets index into the notice's own text fields (`title`, `body`,
`attachments`), which the record carries verbatim, so `record[field][start:end] == text`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

NoticeType = Literal["tender", "amendment", "award", "contract", "cancellation", "other"]
AmountKind = Literal["budget", "award", "contract"]
TEXT_FIELDS: tuple[str, ...] = ("title", "body", "attachments")


@dataclass(slots=True)
class Document:
    """One notice as read from its source, before it is understood.

    `hints` holds facts the source states in structured form. Keys (all optional):
      buyer: str                      purchasing organisation as written
      suppliers: list[str]            winning suppliers as written (one per lot/member)
      amounts: list[dict]             {"value": str|int|float (raw, e.g. "437.677万元"),
                                       "currency": str|None, "kind": AmountKind|None,
                                       "field": source field name}
      published: str                  raw date string
      project_code: str
      notice_type: str | list[str]    raw phase words (中标结果, 采购公告, OCDS tags ...)
      region: str                     free-text region (e.g. "江西", "Chiapas")
      country: str                    ISO 3166-1 alpha-2
      ocid: str                       OCDS procurement id (links releases)
      language: str                   language the source declares
      items: list[dict]               {"description", "scheme", "id"} (OCDS classifications)
      amount_notes: list[str]         figures the reader left out as implausible, and why
    """

    path: str
    locator: str
    kind: str  # html | pdf | image | text | record | ocds | ted
    title: str = ""
    body: str = ""
    attachments: str = ""
    url: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    source_key: str = ""  # stable file identity for notice ids (resolved path); defaults to path
    ocr_confidence: float | None = None  # 0..1 when some text was read from a scan by OCR


@dataclass(slots=True)
class SkippedInput:
    """A file (or one notice inside it) that could not be read; reported and skipped."""

    path: str
    reason: str
    locator: str = ""


@dataclass(slots=True)
class Evidence:
    field: str  # one of TEXT_FIELDS
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}


@dataclass(slots=True)
class Party:
    name: str
    vendor: str | None = None  # vendor id from detect/vendors data, when the name resolves to one


@dataclass(slots=True)
class Candidate:
    """A bidder ranked in a candidate notice (第二中标候选人): not a winner."""

    name: str
    rank: int  # 1 for 第一中标候选人


@dataclass(slots=True)
class Amount:
    value: float  # in currency units (万元 already multiplied out)
    currency: str  # ISO 4217, upper case
    kind: AmountKind


@dataclass(slots=True)
class Place:
    country: str | None = None  # ISO 3166-1 alpha-2
    province: str | None = None
    city: str | None = None
    district: str | None = None
    admin_code: str | None = None  # 6-digit Chinese administrative division code


Role = Literal["primary", "component"]


@dataclass(slots=True)
class CategoryFinding:
    id: str  # taxonomy id (design/TAXONOMY.md)
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    # primary: the purchase is this surveillance; component: a named part of a larger works/ICT purchase
    role: Role | None = None


@dataclass(slots=True)
class VendorMention:
    vendor: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class Surveillance:
    relevant: bool = False
    score: float = 0.0
    categories: list[CategoryFinding] = field(default_factory=list)
    role: Role | None = None  # primary | component when relevant, else None


@dataclass(slots=True)
class Detection:
    """What detect/ returns for a notice; the pipeline merges it into the Notice."""

    surveillance: Surveillance
    vendors_mentioned: list[VendorMention]
    supplier_vendors: list[str | None]  # vendor id per notice.suppliers entry, same order


@dataclass(slots=True)
class Notice:
    id: str
    fingerprint: str  # hash of normalised content, equal for re-posts of the same text
    path: str
    locator: str
    kind: str
    title: str
    body: str
    attachments: str = ""
    url: str | None = None
    notice_type: NoticeType = "other"
    published: str | None = None  # YYYY-MM-DD
    project_code: str | None = None
    buyer: Party | None = None
    suppliers: list[Party] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)  # ranked bidders, kept apart from winners
    amount: Amount | None = None  # the headline figure: award/contract value preferred over budget
    amounts: list[Amount] = field(default_factory=list)  # every figure found
    # figures rejected as implausible (above data/figures.json amount_limits): what was written and why
    amount_notes: list[str] = field(default_factory=list)
    place: Place | None = None
    language: str | None = None
    ocid: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    surveillance: Surveillance = field(default_factory=Surveillance)
    vendors_mentioned: list[VendorMention] = field(default_factory=list)
    ocr_confidence: float | None = None  # 0..1 when some text was read from a scan by OCR


_ASCII_WHITESPACE = bytes(c for c in range(128) if chr(c).isspace())


def content_fingerprint(title: str, body: str, attachments: str = "") -> str:
    """Hash of the notice text with all whitespace removed, so re-posts with other spacing match."""
    text = f"{title}\x1f{body}\x1f{attachments}"
    if text.isascii():  # the same bytes by bytes operations, without a string per word
        normalised = text.encode("ascii").translate(None, _ASCII_WHITESPACE).lower()
    else:
        normalised = "".join(text.split()).lower().encode("utf-8")
    return hashlib.blake2b(normalised, digest_size=12).hexdigest()


def notice_id(source_key: str, locator: str, fingerprint: str) -> str:
    """Stable id: hash of where the notice was found and what it says."""
    raw = f"{source_key}\x1f{locator}\x1f{fingerprint}".encode()
    return hashlib.blake2b(raw, digest_size=10).hexdigest()


def to_record(notice: Notice) -> dict[str, Any]:
    """The stable JSON record (documented in the README)."""
    s = notice.surveillance
    return {
        "id": notice.id,
        "source": {"path": notice.path, "locator": notice.locator, "url": notice.url},
        "kind": notice.kind,
        "title": notice.title,
        "notice_type": notice.notice_type,
        "published": notice.published,
        "project_code": notice.project_code,
        "ocid": notice.ocid,
        "buyer": {"name": notice.buyer.name} if notice.buyer else None,
        "suppliers": [{"name": p.name, "vendor": p.vendor} for p in notice.suppliers],
        "candidates": [{"name": c.name, "rank": c.rank} for c in notice.candidates],
        "amount": _amount_dict(notice.amount),
        "amounts": [_amount_dict(a) for a in notice.amounts],
        "amount_notes": notice.amount_notes,
        "place": _place_dict(notice.place),
        "items": notice.items,
        "surveillance": {
            "relevant": s.relevant,
            "score": round(s.score, 4),
            "role": s.role,
            "categories": [
                {
                    "id": c.id,
                    "score": round(c.score, 4),
                    "role": c.role,
                    "evidence": [e.to_dict() for e in c.evidence],
                }
                for c in s.categories
            ],
        },
        "vendors_mentioned": [
            {"vendor": v.vendor, "evidence": [e.to_dict() for e in v.evidence]}
            for v in notice.vendors_mentioned
        ],
        "language": notice.language,
        "ocr_confidence": notice.ocr_confidence,
        "fingerprint": notice.fingerprint,
        "body": notice.body,
        "attachments": notice.attachments,
    }


def _amount_dict(amount: Amount | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"value": amount.value, "currency": amount.currency, "kind": amount.kind}


def _place_dict(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {
        "country": place.country,
        "province": place.province,
        "city": place.city,
        "district": place.district,
        "admin_code": place.admin_code,
    }
