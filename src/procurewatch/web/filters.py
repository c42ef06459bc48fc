"""The filters every page and API route takes, read from query parameters."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, fields
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

MULTI = ("year", "category", "country", "province", "buyer_type", "vendor", "notice_type", "language")
SORTS = ("relevance", "date", "date_asc", "amount")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
MAX_VALUES = 50
MAX_Q = 500


@dataclass
class NoticeFilters:
    q: str = ""
    year: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    province: list[str] = field(default_factory=list)
    buyer_type: list[str] = field(default_factory=list)
    vendor: list[str] = field(default_factory=list)
    notice_type: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""
    buyer: str = ""
    city: str = ""
    relevant: bool = False  # only notices detected as surveillance

    @classmethod
    def from_params(cls, params: QueryParams) -> NoticeFilters:
        f = cls(q=(params.get("q") or "").strip()[:MAX_Q])
        for name in MULTI:
            values = [v.strip()[:200] for v in params.getlist(name) if v and v.strip()]
            setattr(f, name, list(dict.fromkeys(values))[:MAX_VALUES])
        f.year = [y for y in f.year if y.isdigit() and len(y) == 4]
        for name in ("date_from", "date_to"):
            value = (params.get(name) or "").strip()
            setattr(f, name, value if _valid_date(value) else "")
        f.buyer = (params.get("buyer") or "").strip()[:300]
        f.city = (params.get("city") or "").strip()[:100]
        f.relevant = params.get("relevant") in ("1", "true", "on", "yes")
        return f

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for fl in fields(self):
            value = getattr(self, fl.name)
            if isinstance(value, list):
                out.extend((fl.name, v) for v in value)
            elif isinstance(value, bool):
                if value:
                    out.append((fl.name, "1"))
            elif value:
                out.append((fl.name, value))
        return out

    def query_string(self, **extra: str) -> str:
        pairs = self.params() + [(k, v) for k, v in extra.items() if v]
        return urlencode(pairs)

    def without(self, *names: str) -> str:
        return urlencode([(k, v) for k, v in self.params() if k not in names])

    def toggled(self, name: str, value: str) -> str:
        """Query string with `value` added to or removed from facet `name` (page reset)."""
        current = list(getattr(self, name))
        if value in current:
            current.remove(value)
        else:
            current.append(value)
        pairs = [(k, v) for k, v in self.params() if k != name] + [(name, v) for v in current]
        return urlencode(pairs)

    def active(self) -> list[tuple[str, str, str]]:
        """(facet, value, query string without it) for each selected facet value."""
        return [(name, value, self.toggled(name, value)) for name in MULTI for value in getattr(self, name)]


def _valid_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def day(value: str, end: bool) -> str:
    """'2019' / '2019-05' / '2019-05-03' as the first (or last) day it covers."""
    parts = value.split("-")
    if len(parts) == 1:
        return f"{value}-12-31" if end else f"{value}-01-01"
    if len(parts) == 2:
        last = calendar.monthrange(int(parts[0]), int(parts[1]))[1]
        return f"{value}-{last:02d}" if end else f"{value}-01"
    return value
