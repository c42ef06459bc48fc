"""What one TED notice states, whatever its schema, and the small readers both TED schemas share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree

from procurewatch import knowledge
from procurewatch.sources import ocds_data

_SPACES = re.compile(r"\s+")
_NUTS = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")


@cache
def table() -> dict[str, Any]:
    data: dict[str, Any] = knowledge.load_json("ted", "ted.json")
    return data


def clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def text_of(el: etree._Element | None) -> str:
    """An element's text; paragraphs (<P>) on lines of their own."""
    if el is None:
        return ""
    paragraphs = el.findall(".//P")
    if paragraphs:
        return "\n".join(t for p in paragraphs if (t := clean("".join(p.itertext()))))
    return clean("".join(el.itertext()))


def country_code(raw: str) -> str | None:
    """ISO 3166-1 alpha-2 from an alpha-2/alpha-3 code or a NUTS prefix (EL → GR, UK → GB)."""
    raw = raw.strip().upper()
    if not raw:
        return None
    exceptions = table()["nuts_country_exceptions"]
    if raw[:2] in exceptions and (len(raw) == 2 or _NUTS.match(raw)):
        return str(exceptions[raw[:2]])
    if len(raw) == 2:
        return raw
    return ocds_data.country_from_name(raw)


def nuts_country(code: str) -> str | None:
    return country_code(code[:2]) if _NUTS.match(code.strip().upper()) else None


@cache
def _nuts3_names() -> dict[str, str]:
    rows = (line.split("\t") for line in knowledge.read_text("ted", "nuts3.tsv").splitlines())
    return {
        row[0]: row[1] for row in rows if len(row) == 2 and not row[0].startswith("#") and row[0] != "code"
    }


def nuts_name(code: str) -> str:
    """The region's name for a NUTS level-3 code (data/ted/nuts3.tsv), else ""."""
    return _nuts3_names().get(code.strip().upper(), "")


def nuts_region(code: str) -> str:
    """A NUTS code below country level as written, else "" (level 0 is the country; 00 is "not specified")."""
    code = code.strip().upper()
    return code if _NUTS.match(code) and len(code) > 2 else ""


def phase(code: str, codes: dict[str, str]) -> str | None:
    value = codes.get(code.strip())
    return value if isinstance(value, str) else None


@dataclass(slots=True)
class Lot:
    id: str
    title: str = ""
    description: str = ""


@dataclass(slots=True)
class TedNotice:
    """What one TED notice states, whatever its schema."""

    locator: str
    title: str = ""
    description: str = ""
    buyers: list[str] = field(default_factory=list)
    winners: list[str] = field(default_factory=list)
    amounts: list[dict[str, Any]] = field(default_factory=list)
    cpv: list[tuple[str, str]] = field(default_factory=list)  # (code, description as written)
    lots: list[Lot] = field(default_factory=list)
    nuts: str = ""
    nuts_name: str = ""
    country: str | None = None
    notice_type: str = ""  # the source's code or words
    phase: str | None = None
    published: str | None = None
    language: str | None = None
    project_code: str = ""
    url: str | None = None
    schema: str = ""

    def add_cpv(self, code: str, description: str = "") -> None:
        code = code.strip()
        if code and all(code != seen for seen, _ in self.cpv):
            self.cpv.append((code, clean(description)))
