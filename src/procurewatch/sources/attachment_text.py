"""A notice's `attachments` field: each linked file's text under a line naming the file, and back.

The marker line (data/readers.json, e.g. "【附件：招标文件.docx】") is what lets a page say which file an
evidence span came from: `sections` finds the files' spans in the field again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from procurewatch import knowledge


@dataclass(frozen=True, slots=True)
class Section:
    name: str  # the attached file's name
    start: int  # where its part of the field starts (the marker line included)
    end: int


@cache
def _marker() -> str:
    return str(knowledge.load_json("readers.json")["attachments"]["section_marker"])


@cache
def _marker_line() -> re.Pattern[str]:
    before, after = _marker().split("{name}")
    return re.compile(f"^{re.escape(before)}(.+?){re.escape(after)}$", re.MULTILINE)


def marker(name: str) -> str:
    return _marker().format(name=name.replace("\n", " "))


def join_sections(parts: list[tuple[str, str]]) -> str:
    """(file name, text) pairs as one `attachments` field."""
    return "\n\n".join(f"{marker(name)}\n{text}" for name, text in parts)


def sections(field_text: str) -> list[Section]:
    """The attached files' spans in an `attachments` field; [] when it has no marker lines."""
    found = list(_marker_line().finditer(field_text))
    ends = [m.start() for m in found[1:]] + [len(field_text)] * bool(found)
    return [Section(m.group(1), m.start(), end) for m, end in zip(found, ends, strict=True)]


def section_of(field_text: str, offset: int) -> str | None:
    """The name of the attached file an offset in the `attachments` field falls in."""
    return next((s.name for s in sections(field_text) if s.start <= offset < s.end), None)
