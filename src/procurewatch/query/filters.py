"""The one filter vocabulary: every filter's name, its valid values and how to read them.

Every entry point reads filters through here: the command line's options and `--filter NAME=VALUE`,
the explorer's query strings and the `/api/` parameters. A name or value that is not understood raises
`FilterError` listing what is valid, so nothing ever answers an unfiltered or empty result in silence.
Values are made canonical on the way in (a province written 湖北, Hubei or 420000 is 湖北省; a vendor
written 海康威视 is `hikvision`), so the renderings (SQL in query/counts.py and query/notices.py, numpy in
query/columns.py, tantivy in search/index.py) only ever see canonical values.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from urllib.parse import urlencode

from procurewatch import knowledge
from procurewatch.errors import FilterError

MAX_VALUES = 50  # values of one filter in one request
MAX_Q = 500  # characters of a full-text query
SORTS = ("relevance", "date", "date_asc", "amount")
# primary: what is bought is surveillance; component: surveillance is a named part of a larger purchase
ROLES = ("primary", "component", "any")
ROLE_MEANING = {
    "primary": "only purchases of surveillance; component purchases are counted apart",
    "component": "only purchases in which surveillance is a named part of a larger purchase",
}
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z]{2,4})?")
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("0", "false", "off", "no", "")


def _key(text: str) -> str:
    """Case, width and spacing folded, for matching what people type against names."""
    return re.sub(r"[\s_\-.·]+", "", unicodedata.normalize("NFKC", text)).casefold()


# ---------------------------------------------------------------- one value of each filter


def day(value: str, end: bool = False) -> str:
    """'2019' / '2019-05' / '2019-05-03' as the first (or, with end, the last) day it covers, ISO.
    Raises FilterError for anything else, including impossible dates (2019-13, 2019-02-30)."""
    m = _DATE.fullmatch(value.strip())
    if not m:
        raise FilterError("date", value, "expected YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, dd = int(m[1]), m[2], m[3]
    try:
        if dd:
            return date(year, int(month), int(dd)).isoformat()
        if month:
            first = date(year, int(month), 1)
            return (
                first.replace(day=calendar.monthrange(year, int(month))[1]).isoformat() if end else str(first)
            )
        return f"{year:04d}-12-31" if end else f"{year:04d}-01-01"
    except ValueError:
        raise FilterError("date", value, "no such date") from None


def _date(value: str) -> str:
    day(value)
    return value.strip()


def _year(value: str) -> str:
    value = value.strip()
    if not (len(value) == 4 and value.isdigit() and 1900 <= int(value) <= 2100):
        raise FilterError("year", value, "expected a four-digit year")
    return value


def _closed(name: str, valid: Callable[[], dict[str, str]]) -> Callable[[str], str]:
    """A reader for a filter with a closed set of values: `valid()` maps every accepted spelling
    (folded by _key) to the canonical value."""

    def read(value: str) -> str:
        found = valid().get(_key(value))
        if found is None:
            raise FilterError(name, value, "unknown value", sorted(set(valid().values())))
        return found

    return read


@cache
def _categories() -> dict[str, str]:
    return {_key(c): c for c in knowledge.categories()}


@cache
def _buyer_types() -> dict[str, str]:
    return {_key(t): t for t in knowledge.purchaser_types()}


@cache
def _notice_types() -> dict[str, str]:
    return {_key(t): t for t in knowledge.NOTICE_TYPES}


@cache
def _vendors() -> dict[str, str]:
    out: dict[str, str] = {}
    for vid, entry in knowledge.vendors().items():
        for spelling in (entry.get("name") or "", *entry.get("aliases", [])):
            if spelling:
                out.setdefault(_key(spelling), vid)
    out.update({_key(vid): vid for vid in knowledge.vendors()})
    return out


@cache
def _provinces() -> dict[str, str]:
    out: dict[str, str] = {}
    english = knowledge.province_names_en()
    for code, name, short in knowledge.provinces():
        for spelling in (code, name, short, *english.get(code, [])):
            out[_key(spelling)] = name
    return out


@cache
def _countries() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, names in knowledge.countries().items():
        for spelling in names:
            out.setdefault(_key(spelling), code)
    out.update({_key(code): code for code in knowledge.countries()})
    return out


@cache
def _roles() -> dict[str, str]:
    return {_key(r): r for r in ROLES}


@cache
def _currencies() -> dict[str, str]:
    return {_key(c): c for c in knowledge.currencies()}


def _province(value: str) -> str:
    code = value.strip()
    if code.isdigit() and len(code) == 6:  # any division's code names its province
        value = code[:2] + "0000"
    return _closed("province", _provinces)(value)


def _language(value: str) -> str:
    value = value.strip().lower()
    if not _LANGUAGE.fullmatch(value):
        raise FilterError("language", value, "expected a language code such as zh, en, es")
    return value


def _text(limit: int) -> Callable[[str], str]:
    return lambda value: value.strip()[:limit]


def _purchase(written: str | None) -> str | None:
    """The role a count keeps, from a `purchase` value as written: "any" (or nothing) keeps both."""
    role = read_value("purchase", written) if written else None
    return None if role == "any" else role


def _bool(name: str) -> Callable[[str], str]:
    def read(value: str) -> str:
        value = value.strip().lower()
        if value in _TRUE:
            return "1"
        if value in _FALSE:
            return ""
        raise FilterError(name, value, "expected 1 or 0")

    return read


def _score(value: str) -> str:
    try:
        score = float(value)
    except ValueError:
        raise FilterError("min_score", value, "expected a number from 0 to 1") from None
    if not 0 <= score <= 1:
        raise FilterError("min_score", value, "expected a number from 0 to 1")
    return str(score)


@dataclass(frozen=True)
class FilterSpec:
    name: str  # in query strings, --filter NAME=VALUE and the API; the CLI option is --name-with-dashes
    read: Callable[[str], str]  # the canonical value, or FilterError
    multi: bool
    help: str


FILTERS: dict[str, FilterSpec] = {
    spec.name: spec
    for spec in (
        FilterSpec("q", _text(MAX_Q), False, "full-text query"),
        FilterSpec("year", _year, True, "year of publication, e.g. 2019"),
        FilterSpec(
            "category", _closed("category", _categories), True, "taxonomy id, e.g. facial_recognition"
        ),
        FilterSpec("country", _closed("country", _countries), True, "ISO 3166 code or name, e.g. CN, GB"),
        FilterSpec("province", _province, True, "Chinese province: 湖北省, 湖北, Hubei or 420000"),
        FilterSpec("buyer_type", _closed("buyer_type", _buyer_types), True, "purchaser type"),
        FilterSpec(
            "vendor", _closed("vendor", _vendors), True, "vendor id or name, e.g. hikvision, 海康威视"
        ),
        FilterSpec("notice_type", _closed("notice_type", _notice_types), True, "notice type"),
        FilterSpec("language", _language, True, "language code, e.g. zh"),
        FilterSpec("date_from", _date, False, "first date: YYYY, YYYY-MM or YYYY-MM-DD"),
        FilterSpec("date_to", _date, False, "last date (inclusive)"),
        FilterSpec("buyer", _text(300), False, "buyer name, exactly as stored"),
        FilterSpec("city", _text(100), False, "city name, exactly as stored"),
        FilterSpec("relevant", _bool("relevant"), False, "1: only notices detected as surveillance"),
        FilterSpec("title_only", _bool("title_only"), False, "1: only category evidence in a title"),
        FilterSpec("min_score", _score, False, "minimum detection score, 0 to 1"),
        FilterSpec("convert_to", _closed("convert_to", _currencies), False, "convert spend to this currency"),
        FilterSpec("reviewed", _bool("reviewed"), False, "1: only procurements a reviewer confirmed"),
        FilterSpec(
            "purchase", _closed("purchase", _roles), False, "primary, component or any: the finding's role"
        ),
    )
}
NOTICE_FILTERS = (
    "q", "year", "category", "country", "province", "buyer_type", "vendor", "notice_type", "language",
    "date_from", "date_to", "buyer", "city", "relevant",
)  # fmt: skip
MULTI = tuple(name for name in NOTICE_FILTERS if FILTERS[name].multi)


def read_value(name: str, value: str) -> str:
    """One value of filter `name`, canonical; FilterError for an unknown name or value."""
    spec = FILTERS.get(name)
    if spec is None:
        raise FilterError(name, None, "unknown filter", list(FILTERS))
    return spec.read(value)


def read_values(name: str, values: Iterable[str]) -> list[str]:
    """Canonical values of a multi-valued filter, blanks dropped, each once, in the given order."""
    out = [read_value(name, v) for v in values if v and v.strip()]
    out = list(dict.fromkeys(out))
    if len(out) > MAX_VALUES:
        raise FilterError(name, None, f"at most {MAX_VALUES} values")
    return out


def check_names(names: Iterable[str], allowed: Iterable[str]) -> None:
    """Refuse any parameter name that is neither a filter of this entry point nor one of `allowed`."""
    known = set(allowed)
    for name in names:
        if name not in known:
            raise FilterError(name, None, "unknown parameter", sorted(known))


def split_pair(text: str) -> tuple[str, str]:
    """'category=voiceprint' → ('category', 'voiceprint'), for --filter NAME=VALUE."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise FilterError(text, None, "expected NAME=VALUE", list(NOTICE_FILTERS))
    return name.strip(), value.strip()


# ---------------------------------------------------------------- filters over notices


@dataclass
class NoticeFilters:
    """What the search page, the profiles, the API and `export` filter notices by."""

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
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], allowed: Iterable[str] = ()) -> NoticeFilters:
        """Filters from (name, value) pairs such as a query string; other names than the notice
        filters and `allowed` (a route's own parameters: page, sort ...) are refused."""
        pairs = list(pairs)
        check_names((name for name, _ in pairs), (*NOTICE_FILTERS, *allowed))
        f = cls()
        for name in NOTICE_FILTERS:
            values = [v for n, v in pairs if n == name]
            if FILTERS[name].multi:
                setattr(f, name, read_values(name, values))
            elif values:
                value = read_value(name, values[-1])
                setattr(f, name, bool(value) if name == "relevant" else value)
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


# ---------------------------------------------------------------- filters over procurements


@dataclass
class Filters:
    """What every count (query/counts.py) filters procurements by."""

    date_from: str | None = None  # 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', inclusive
    date_to: str | None = None
    categories: list[str] = field(default_factory=list)  # a procurement matches if it has any
    countries: list[str] = field(default_factory=list)  # ISO2
    provinces: list[str] = field(default_factory=list)  # e.g. '湖北省'
    buyer_types: list[str] = field(default_factory=list)  # purchaser type ids
    vendors: list[str] = field(default_factory=list)  # vendor ids (as supplier or mentioned)
    languages: list[str] = field(default_factory=list)
    notice_types: list[str] = field(default_factory=list)  # a procurement matches if a notice has one
    title_only: bool = False  # only procurements with category evidence in a title
    min_score: float | None = None
    relevant_only: bool = True  # only surveillance procurements
    query: str | list[str] | None = None  # substring of a notice title/body, or a list of notice ids
    convert_to: str | None = None  # convert spend to this currency (dated rates), only when asked
    reviewed: bool = False  # only procurements a reviewer confirmed (review/decisions.py)
    role: str | None = None  # primary | component; None counts both (what "any" reads as)

    @classmethod
    def read(
        cls,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        categories: Iterable[str] = (),
        countries: Iterable[str] = (),
        provinces: Iterable[str] = (),
        buyer_types: Iterable[str] = (),
        vendors: Iterable[str] = (),
        languages: Iterable[str] = (),
        notice_types: Iterable[str] = (),
        title_only: bool = False,
        min_score: float | None = None,
        relevant_only: bool = True,
        convert_to: str | None = None,
        reviewed: bool = False,
        role: str | None = None,
    ) -> Filters:
        """Filters from values as people type them (command-line options), each read by the vocabulary."""
        return cls(
            date_from=_date(date_from) if date_from else None,
            date_to=_date(date_to) if date_to else None,
            categories=read_values("category", categories),
            countries=read_values("country", countries),
            provinces=read_values("province", provinces),
            buyer_types=read_values("buyer_type", buyer_types),
            vendors=read_values("vendor", vendors),
            languages=read_values("language", languages),
            notice_types=read_values("notice_type", notice_types),
            title_only=title_only,
            min_score=float(_score(str(min_score))) if min_score is not None else None,
            relevant_only=relevant_only,
            convert_to=read_value("convert_to", convert_to) if convert_to else None,
            reviewed=reviewed,
            role=_purchase(role),
        )

    @classmethod
    def of_notices(cls, f: NoticeFilters, relevant_only: bool = True, role: str | None = None) -> Filters:
        """The procurement filters matching a page's notice filters (the dashboard's charts); `role` as
        written in the query string (primary, component or any)."""
        years = sorted(f.year)
        return cls(
            date_from=f.date_from or (years[0] if years else None),
            date_to=f.date_to or (years[-1] if years else None),
            categories=list(f.category),
            countries=list(f.country),
            provinces=list(f.province),
            buyer_types=list(f.buyer_type),
            vendors=list(f.vendor),
            languages=list(f.language),
            notice_types=list(f.notice_type),
            relevant_only=relevant_only,
            role=_purchase(role),
        )

    def describe(self) -> list[str]:
        """The filters in words, for the methods section and table captions."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, [], False) or (f.name == "relevant_only" and value is True):
                continue
            if f.name == "role":
                if self.relevant_only or self.reviewed:
                    out.append(f"purchase={value}: {ROLE_MEANING[value]}")
                continue
            out.append(f"{f.name}={', '.join(value) if isinstance(value, list) else value}")
        if not self.relevant_only:
            out.append("all procurements, surveillance or not")
        return out
