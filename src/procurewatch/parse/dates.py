"""Dates: 2026年5月28日, 2026-05-28, 2026/5/28, 2026.05.28, ISO datetimes → YYYY-MM-DD."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from procurewatch import knowledge
from procurewatch.parse.widths import halfwidth, spaced

_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日?"
    r"|[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})(?!\d))"
)
_EPOCH = re.compile(r"^1\d{9}(?:\d{3})?$")  # 2001-09 … 2286: seconds, or milliseconds
_EPOCH_YEARS = (2001, 2100)
_DAY_FIRST = re.compile(r"^(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4}|\d{2})(?:\s.*)?$")
_COMPACT = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?:\d{6})?$")
_LABELS = sorted(knowledge.load_json("parse", "labels.json")["published"], key=len, reverse=True)
_PUBLISHED_LABEL = re.compile(rf"(?:{'|'.join(spaced(w) for w in _LABELS)})\s*[:：]?\s*")


def _valid(y: str, m: str, d: str) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def parse_date(raw: object, utc_offset_hours: int = 0) -> str | None:
    """The first date in `raw` as YYYY-MM-DD, or None. A whole value that is a Unix time (seconds or
    milliseconds, as crawlers export it) is read in the given offset from UTC; a whole value written
    day first (18/12/13, 05.03.2021: TED and Spanish exports) is read day first."""
    if raw is None or isinstance(raw, bool):
        return None
    return _date_in(str(raw), utc_offset_hours)


@lru_cache(maxsize=4096)  # a source's dates recur across its notices (the same days)
def _date_in(raw: str, utc_offset_hours: int) -> str | None:
    text = halfwidth(raw).strip()
    if _EPOCH.match(text):
        seconds = int(text[:10])
        moment = datetime.fromtimestamp(seconds, tz=timezone(timedelta(hours=utc_offset_hours)))
        return moment.date().isoformat() if _EPOCH_YEARS[0] <= moment.year <= _EPOCH_YEARS[1] else None
    compact = _COMPACT.match(text)
    if compact:
        return _valid(compact["y"], compact["m"], compact["d"])
    day_first = _DAY_FIRST.match(text)
    if day_first:
        year = day_first["y"] if len(day_first["y"]) == 4 else f"20{day_first['y']}"
        return _valid(year, day_first["m"], day_first["d"])
    for m in _DATE.finditer(text):
        value = _valid(m["y"], m["m1"] or m["m2"], m["d1"] or m["d2"])
        if value:
            return value
    return None


def published_in_text(text: str) -> str | None:
    """The date after a 发布日期/公告日期 label in `text`."""
    norm = halfwidth(text)
    for label in _PUBLISHED_LABEL.finditer(norm):
        value = parse_date(norm[label.end() : label.end() + 24])
        if value:
            return value
    return None
