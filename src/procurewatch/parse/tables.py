"""Facts from tables: HTML cells, '|'-separated cells in text, and header rows over data rows (lots).

A cell counts as a label only when its whole text (spaces, numbering, a trailing colon and a bracketed
unit removed) is a label word from data/parse/labels.json; the next cell in its row is its value. A row
of two or more labels over rows of as many cells is a header: each data row is one lot, and its cells
are read under their column's label. Label words that are too general for running text (金额, 报价,
第一中标候选人) are read here only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from procurewatch.parse._data import load_json
from procurewatch.parse.amounts import MONEY, RATE_WORDS, _money_value, european_decimals, unit_in_field_name
from procurewatch.parse.widths import halfwidth

_NUMBERING = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）])"
)
_BRACKETED = re.compile(r"[(（][^()（）]{0,12}[)）]")
_SPACES = re.compile(r"\s+")
_LABEL_MAX = 24  # a longer cell is text, not a label
_VALUE_MAX = 120  # a longer cell holds a paragraph, not one name or figure
_PIPE_MIN = 4  # fewer '|' than this in a text is punctuation, not a table
_RANK = re.compile(r"第\s*[一二三四五六七八九十\d]+\s*(?:名|中标候选人|候选人)")
_MONEY_START = re.compile(r"^\s*(?:人民币|RMB|CNY|¥|￥)?\s*[:：]?\s*[\d壹贰叁肆伍陆柒捌玖拾佰仟]")


@dataclass(frozen=True, slots=True)
class TableField:
    """One labelled cell value: field is buyer | supplier | candidate | amount; kind is an amount's
    budget | award | contract | bid | '' (general: the notice's phase decides)."""

    field: str
    kind: str
    label: str  # the label as written
    value: str
    lot: str = ""  # the data row of a header table ('' for label → value cells)
    source: str = ""  # "html" (a table of the page or of an HTML field) or "text" ('|' cells)


@cache
def _label_index() -> dict[str, tuple[str, str]]:
    labels = load_json("labels.json")
    table = labels["table"]
    index: dict[str, tuple[str, str]] = {}

    def put(words: list[str], field: str, kind: str) -> None:
        for word in words:
            index.setdefault(normalise_label(word), (field, kind))

    for kind in ("award", "contract", "budget"):
        put(labels["amount"][kind], "amount", kind)
    put(table["buyer"], "buyer", "")
    put(labels["buyer"], "buyer", "")
    put(labels["supplier"], "supplier", "")
    put(table["supplier"], "supplier", "")
    put(table["candidate"], "candidate", "")
    put(table["bid"], "amount", "bid")
    put(table["amount"], "amount", "")
    return index


def normalise_label(cell: str) -> str:
    """'一、采 购 人：' → '采购人'; '中标金额（万元）' → '中标金额'."""
    text = _SPACES.sub("", halfwidth(cell))
    text = _NUMBERING.sub("", text).rstrip(":：")
    return _BRACKETED.sub("", text)


def label_of(cell: str) -> tuple[str, str] | None:
    """(field, kind) when the whole cell is a known label, else None."""
    if not cell or len(cell) > _LABEL_MAX:
        return None
    return _label_index().get(normalise_label(cell))


def money_cell(value: str, label: str) -> Decimal | None:
    """The figure of a cell under a money label: units from the cell or the label, bare numbers in 元.
    A rank (第1名), a rate or a cell that does not start with a figure is no amount."""
    text = halfwidth(value).strip()
    if not text or _RANK.search(text) or any(w in text for w in RATE_WORDS) or not _MONEY_START.match(text):
        return None
    text = european_decimals(text) if re.search(r"\d,\d{1,2}(?!\d)", text) else text
    m = MONEY.search(text)
    if not m or (m.group("num") is None and m.group("dx") is None):
        return None
    factor = unit_in_field_name(label) or Decimal(
        1
    )  # a table cell under a money label states 元 unless it says
    return _money_value(m, factor)


def fields_from_tables(tables: list[list[list[str]]] | None, text: str = "") -> list[TableField]:
    """Labelled values of HTML tables (rows of cells) and of '|'-separated cells in `text`."""
    found: list[TableField] = []
    seen: set[tuple[str, str, str, str]] = set()

    def add(item: TableField) -> None:
        key = (item.field, item.kind, item.value, item.lot)
        if key not in seen:
            seen.add(key)
            found.append(item)

    for rows in tables or []:
        for item in _table_fields(rows, "html"):
            add(item)
    if text.count("|") >= _PIPE_MIN:
        cells = [c.strip() for c in text.split("|")]
        for item in _pair_fields(cells, "text"):
            add(item)
    return found


def _table_fields(rows: list[list[str]], source: str) -> list[TableField]:
    out: list[TableField] = []
    i = 0
    while i < len(rows):
        header = rows[i]
        labelled = [label_of(c) for c in header]
        if sum(1 for x in labelled if x) >= 2 and not any(_looks_like_value(c) for c in header):
            data = []
            j = i + 1
            while j < len(rows) and len(rows[j]) == len(header) and not _is_header(rows[j]):
                data.append(rows[j])
                j += 1
            if data:
                for row in data:
                    lot = "\t".join(row)
                    for cell_label, found, value in zip(header, labelled, row, strict=True):
                        if found and value and len(value) <= _VALUE_MAX:
                            out.append(TableField(found[0], found[1], cell_label, value, lot, source))
                i = j
                continue
        out.extend(_pair_fields(header, source))
        i += 1
    return out


def _is_header(row: list[str]) -> bool:
    return sum(1 for c in row if label_of(c)) >= 2 and not any(_looks_like_value(c) for c in row)


def _looks_like_value(cell: str) -> bool:
    return bool(cell) and label_of(cell) is None and bool(_MONEY_START.match(halfwidth(cell)))


def _pair_fields(cells: list[str], source: str) -> list[TableField]:
    """Label cell → the next cell, along one row (or along a text's '|' cells)."""
    out: list[TableField] = []
    for k in range(len(cells) - 1):
        found = label_of(cells[k])
        value = cells[k + 1]
        if not found or not value or value == cells[k] or len(value) > _VALUE_MAX or label_of(value):
            continue
        out.append(TableField(found[0], found[1], cells[k], value, "", source))
    return out
