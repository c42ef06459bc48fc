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
from functools import cache, lru_cache

from procurewatch import knowledge
from procurewatch.parse.amounts import MONEY, RATE_WORDS, _money_value, european_decimals, unit_in_field_name
from procurewatch.parse.widths import _HALFWIDTH as _HALFWIDTH_TABLE
from procurewatch.parse.widths import halfwidth, markers

_NUMBERING = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）])"
)
_BRACKETED = re.compile(r"[(（][^()（）]{0,12}[)）]")
_SPACES = re.compile(r"\s+")
_LABEL_MAX = 24  # a longer cell is text, not a label
_VALUE_MAX = 120  # a longer cell holds a paragraph, not one name or figure
_PIPE_MIN = 4  # fewer '|' than this in a text is punctuation, not a table
_RANK = re.compile(r"第\s*[一二三四五六七八九十\d]+\s*(?:名|中标候选人|候选人)")
_COLUMN_NAME_MAX = 10  # 预计发布招标公告时间
_LINE_COLUMN_MAX = 6  # one cell per line: a longer line is more likely a value (a project's name)
_LINE_SCAN_MAX = 40
# a colon with a value after it and no closing bracket (so no unit's bracket that normalise_label would
# remove around it): 'category: 采购公告' is no label alone, as no label word holds a colon (see _label_index)
_VALUE_AFTER_COLON = re.compile(r"[:：][^)）]*[^\s:：)）][^)）]*$")
_CANDIDATE_BEFORE = 60  # the lot mark and the name before '为第一…候选'
_CANDIDATE_AFTER = (
    80  # the role and the bid after it  # a longer line (even with the spaces around it) is no label
)
# a result heading on its own line, then the winner (and its price) on the next:
# 六、成交结果 / X公司，总价355000.00元
_RESULT_LINE = re.compile(
    r"^[ \t]*(?:[一二三四五六七八九十\d]{1,3}\s*[、.．]\s*)?"
    r"(?P<heading>(?:中标|成交)(?:结果|供应商|人|单位)(?:名称)?)"
    r"(?:[、，,及和与][^\n:：]{0,24})?(?:\s*[(（][^)）\n]{0,12}[)）])?\s*[:：]?[ \t]*\n[ \t]*"
    r"(?P<name>[\u4e00-\u9fff()（）A-Za-z]{4,40}?(?:公司|集团|中心|院|所|厂|社))"
    r"(?:\s*[,，;；]\s*(?P<pricelabel>总价|报价|总报价|中标价|成交价|中标金额|成交金额|金额)\s*(?:为|是|[:：])?\s*"
    r"(?P<price>(?:人民币)?\s*[\d,.]+\s*(?:万元|元)))?",
    re.MULTILINE,
)
_RESULT_HEADING_HINT = re.compile(r"(?:中标|成交)(?:结果|供应商|人|单位)[^\n]{0,30}[:：]?[ \t]*\n")
_FIRST_CANDIDATE = re.compile(
    r"(?:[A-Za-z\d一二三四五六七八九十]+\s*(?:包|标段)\s*[:：,，]?\s*)?"
    r"(?P<name>[\u4e00-\u9fff()（）A-Za-z]{4,40}?(?:公司|集团|中心|院|所|厂|社))\s*为\s*"
    r"(?P<role>第[一1]\s*(?:中标|成交)?\s*候选(?:人|供应商|单位))"
    r"(?:[,，;；]\s*(?P<bidlabel>(?:投标|谈判|磋商|响应|最终)?报价)\s*(?:为|是|[:：])?\s*"
    r"(?P<bid>(?:人民币)?\s*[\d,.]+\s*(?:万元|元)))?"
)
_RANK_FIRST = re.compile(r"^(?:第)?(?:1|一|壹)(?:名|位)?$")
# a currency sign before a figure in a cell whose label states the unit ('$1,090,602.00' under 中标金额(元))
_LEADING_MARK = re.compile(r"^[$¥￥€£]\s*(?=\d)")
_BARE = re.compile(r"^\s*(?:约)?\s*(?:人民币|RMB|CNY|¥|￥)?\s*[\d,]+(?:\.\d+)?\s*$")
_HAS_FIGURE = re.compile(r"[\d０-９%％]")
_ORG_TAIL = re.compile(
    r"(?:公司|局|院|校|中心|委员会|政府|办公室|站|所|队|处|馆|厅|会|部|集团|医院|大学|社|场|行|室)$"
)
# a money cell may name what it is before its figure (估算投资881.94万元, 本项目监理费约1110000.00元)
_MONEY_START = re.compile(
    r"^\s*[\u4e00-\u9fff]{0,10}?(?:约|共计|合计|为)?\s*(?:人民币|RMB|CNY|¥|￥)?\s*[:：]?\s*[\d壹贰叁肆伍陆柒捌玖拾佰仟]"
)


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
    labels = knowledge.load_json("parse", "labels.json")
    table = labels["table"]
    index: dict[str, tuple[str, str]] = {}

    def put(words: list[str], field: str, kind: str) -> None:
        for word in words:
            index.setdefault(normalise_label(word), (field, kind))

    for kind in ("award", "contract", "budget"):
        put(labels["amount"][kind], "amount", kind)
    put(table["buyer"], "buyer", "")
    put(labels["buyer"], "buyer", "")
    # labels that name a winner only once the notice awards (供应商名称, 预中标人) read like candidates
    put(labels["supplier_needs_phase"], "candidate", "")
    put(labels["supplier"], "supplier", "")
    put(table["supplier"], "supplier", "")
    put(table["candidate"], "candidate", "")
    put(table["budget"], "amount", "budget")
    put(table["bid"], "amount", "bid")
    put(table["amount"], "amount", "")
    if any(":" in word for word in index):
        raise ValueError("a table label word holds a colon: _VALUE_AFTER_COLON would hide it")
    return index


@lru_cache(maxsize=8192)
def normalise_label(cell: str) -> str:
    """'一、采 购 人：' → '采购人'; '中标金额（万元）' → '中标金额'."""
    text = _SPACES.sub("", cell.translate(_HALFWIDTH_TABLE))  # not the shared halfwidth cache: cells are many
    text = _NUMBERING.sub("", text).rstrip(":：")
    return _BRACKETED.sub("", text)


@cache
def _header_words() -> frozenset[str]:
    return frozenset(
        normalise_label(w) for w in knowledge.load_json("parse", "labels.json")["table"]["header_words"]
    )


def _header_word(cell: str) -> bool:
    return bool(cell) and len(cell) <= _LABEL_MAX and normalise_label(cell) in _header_words()


@lru_cache(maxsize=8192)
def label_of(cell: str) -> tuple[str, str] | None:
    """(field, kind) when the whole cell is a known label, else None."""
    if not cell or len(cell) > _LABEL_MAX or _HAS_FIGURE.search(cell) or _VALUE_AFTER_COLON.search(cell):
        # no label word holds a figure, nor a colon, which normalising leaves in a cell when a value
        # follows it outside brackets: rejected before any normalising
        return None
    return _label_index().get(normalise_label(cell))


def money_cell(value: str, label: str) -> Decimal | None:
    """The figure of a cell under a money label: units from the cell or the label, bare numbers in 元.
    A rank (第1名), a rate or a cell that does not start with a figure is no amount."""
    text = _LEADING_MARK.sub("", halfwidth(value).strip())
    if not text or _RANK.search(text) or any(w in text for w in RATE_WORDS) or not _MONEY_START.match(text):
        return None
    text = european_decimals(text) if re.search(r"\d,\d{1,2}(?!\d)", text) else text
    m = MONEY.search(text)
    if not m or (m.group("num") is None and m.group("dx") is None):
        return None
    bare = _BARE.match(text) is not None
    if m.group("num") is not None and not (bare or m.group("unit") or m.group("cur")):
        return None  # a figure inside words (…2026年第一批…) is no price unless the cell is the bare number
    # a table cell under a money label states 元 unless it says otherwise
    factor = unit_in_field_name(label) or Decimal(1)
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
        # one row per line is read like a page's table when that finds a header over rows; else (cells
        # broken over lines) the text is one flat run of cells
        by_rows = _table_fields(rows, "text") if (rows := _pipe_rows(text)) else []
        for item in by_rows if any(i.lot for i in by_rows) else _flat_fields(_pipe_cells(text), "text"):
            add(item)
    # a table drawn as one cell per line (项目名 / 成交金额(元) / 供应商, then the values), or a label on a
    # line of its own above its value
    for item in _first_candidate_sentences(text):
        add(item)
    # (empty cells leave no line, so this is read only when no table of the page gave rows)
    if not any(item.lot for item in found) and _two_label_lines(text):
        lines = [line.strip() for line in text.split("\n") if line.strip() and "|" not in line]
        for item in _flat_fields(lines, "lines", pairs=False, min_labels=2, column_max=_LINE_COLUMN_MAX):
            add(item)
    return found


def _two_label_lines(text: str) -> bool:
    """Whether at least two lines of `text` are a label alone (the least a header drawn as lines has). A line
    is judged only when it is short enough and holds a character of `_label_markers`: no other line can be
    a label."""
    seen = 0
    label_marker = _label_markers()
    for line in text.split("\n"):
        if (
            len(line) <= _LINE_SCAN_MAX
            and len(cell := line.strip()) <= _LABEL_MAX  # what label_of rejects first, before any regex
            and label_marker.search(cell)
            and not _VALUE_AFTER_COLON.search(line)
            and label_of(cell)
        ):
            seen += 1
            if seen >= 2:
                return True
    return False


@cache
def _label_markers() -> re.Pattern[str]:
    """A few characters one of which every label word holds, as `normalise_label` leaves it (widths.markers:
    no full-width form, which normalising changes): a cell that holds none of them is no label."""
    return re.compile("[" + "".join(map(re.escape, markers(_label_index()))) + "]")


@lru_cache(maxsize=8192)
def _column_name(cell: str, longest: int = _COLUMN_NAME_MAX) -> bool:
    """A short cell that could name a column (招标组织形式, 项目类型): no figure, not an organisation."""
    text = _SPACES.sub("", cell)
    return 2 <= len(text) <= longest and not _HAS_FIGURE.search(text) and not _ORG_TAIL.search(text)


def _first_candidate_sentences(text: str) -> list[TableField]:
    """'A包X公司为第一成交候选供应商，谈判报价为290000元': one lot's first-ranked bidder and its bid,
    read like one row of a table (they count as winner and price only where the notice awards)."""
    out: list[TableField] = []
    if "中标" not in text and "成交" not in text:
        return out
    text = halfwidth(text)
    for m in _RESULT_LINE.finditer(text) if _RESULT_HEADING_HINT.search(text) else ():
        lot = m.group(0)
        out.append(TableField("supplier", "", m.group("heading"), m.group("name"), lot, "sentence"))
        if m.group("price"):
            out.append(TableField("amount", "", m.group("pricelabel"), m.group("price"), lot, "sentence"))
    for m in _first_candidate_matches(text) if "候选" in text else ():
        lot = m.group(0)
        out.append(TableField("candidate", "", m.group("role"), m.group("name"), lot, "sentence"))
        if m.group("bid"):
            out.append(TableField("amount", "bid", m.group("bidlabel"), m.group("bid"), lot, "sentence"))
    return out


def _first_candidate_matches(text: str) -> list[re.Match[str]]:
    """_FIRST_CANDIDATE around each '为第' only: the pattern is costly to try at every position."""
    found: list[re.Match[str]] = []
    at = text.find("为第")
    while at >= 0:
        start = max(0, at - _CANDIDATE_BEFORE)
        for m in _FIRST_CANDIDATE.finditer(text[start : at + _CANDIDATE_AFTER]):
            if m.start() <= at - start <= m.end():
                found.append(m)
                break
        at = text.find("为第", at + 2)
    return found


def _pipe_rows(text: str) -> list[list[str]]:
    """Rows when the text writes one row per line (a | b | c), else []: a cell split over lines (the
    jiangxi portal's 'label |' newline 'value |') makes the text one flat run of cells instead."""
    lines = [line for line in text.split("\n") if line.strip()]
    piped = [line for line in lines if line.count("|") >= 1]
    if len(piped) < 2:
        return []
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in piped]
    if sum(1 for row in rows if sum(1 for c in row if c) >= 2) < len(rows) * 3 // 4:
        return []
    return rows


def _pipe_cells(text: str) -> list[str]:
    """Cells between '|'. A cell whose last line is a label (text before a table, then 序号) is two."""
    cells: list[str] = []
    for raw in text.split("|"):
        cell = raw.strip()
        head, sep, last = cell.rpartition("\n")
        if sep and head.strip() and (label_of(last.strip()) or _header_word(last.strip())):
            cells.extend((head.strip(), last.strip()))
        else:
            cells.append(cell)
    return cells


def _flat_fields(
    cells: list[str], source: str, pairs: bool = True, min_labels: int = 1, column_max: int = _COLUMN_NAME_MAX
) -> list[TableField]:
    """'|' cells in one sequence, rows not marked: a run of column names (序号 | 项目名称 | 招标人 | …)
    is a header over the cells that follow, row by row; elsewhere a label cell → the next cell.

    Runs are read left to right, each as long as its cells could name columns (a label, a header word or
    a short column name). A header holds at least one label (min_labels >= 1), so only the runs through
    a label cell are looked at: the cells between them are plain, whatever runs they form."""
    if min_labels < 1:
        raise ValueError("a header holds a label: min_labels is at least 1")
    out: list[TableField] = []
    labelled = [k for k, c in enumerate(cells) if len(c) <= _LABEL_MAX and label_of(c)]
    if len(labelled) < min_labels:
        return _pair_fields(cells, source) if pairs else out  # no header possible: every cell is plain
    plain: list[str] = []
    i, count = 0, len(cells)
    for at in labelled:
        if at < i:
            continue  # inside a run or the rows already read
        start = at  # the run through this label starts where the scan would have started it
        while start > i and _column_cell(cells[start - 1], column_max):
            start -= 1
        end = at + 1
        while end < count and _column_cell(cells[end], column_max):
            end += 1
        header = cells[start:end]
        if len(header) >= 3 and _is_flat_header(header, min_labels):
            if pairs:
                plain.extend(cells[i:start])
                out.extend(_pair_fields(plain, source))
            plain = []
            n = len(header)
            k = end
            while k + n <= count and not any(_marked(c) for c in cells[k : k + n]):
                row = cells[k : k + n]
                k += n
                if not _first_ranked(header, [row]):
                    continue
                lot = _lot_key(row)
                for cell_label, value in zip(header, row, strict=True):
                    found = label_of(cell_label)
                    if found and value and len(value) <= _VALUE_MAX:
                        out.append(TableField(found[0], found[1], cell_label, value, lot, source))
            i = max(k, end)
            continue
        if pairs:
            plain.extend(cells[i:end])
        i = end
    if pairs:
        plain.extend(cells[i:])
        out.extend(_pair_fields(plain, source))
    return out


def _marked(cell: str) -> bool:
    """A label or a header word: a cell no table row holds."""
    return len(cell) <= _LABEL_MAX and (label_of(cell) is not None or _header_word(cell))


def _column_cell(cell: str, column_max: int) -> bool:
    return _marked(cell) or _column_name(cell, column_max)


def _is_flat_header(header: list[str], min_labels: int) -> bool:
    labels = sum(1 for c in header if label_of(c))
    return labels >= min_labels and sum(1 for c in header if _header_word(c)) + labels >= 3


def _table_fields(rows: list[list[str]], source: str) -> list[TableField]:
    out: list[TableField] = []
    i = 0
    while i < len(rows):
        header = rows[i]
        labelled = [label_of(c) for c in header]
        labels = sum(1 for x in labelled if x)
        # two labels, or in an HTML table (whose rows are not broken over lines) one beside column names
        # (标的名称 | 规格型号 | 数量 | 单价 | 中标金额): a header
        one = labels == 1 and source == "html"
        words = sum(1 for c in header if not label_of(c) and _header_word(c)) if one else 0
        if (labels >= 2 or words >= 2) and not any(_looks_like_value(c) for c in header):
            data = []
            j = i + 1
            while j < len(rows) and len(rows[j]) == len(header) and not _is_header(rows[j]):
                data.append(rows[j])
                j += 1
            if data:
                for row in _first_ranked(header, data):
                    lot = _lot_key(row)
                    for cell_label, found, value in zip(header, labelled, row, strict=True):
                        if found and value and len(value) <= _VALUE_MAX:
                            out.append(TableField(found[0], found[1], cell_label, value, lot, source))
                i = j
                continue
        out.extend(_pair_fields(header, source))
        i += 1
    return out


def _lot_key(row: list[str]) -> str:
    """The same data row read from the page and from its text lines is one lot."""
    return "\t".join(_SPACES.sub("", c) for c in row if c.strip())


@cache
def _rank_columns() -> frozenset[str]:
    return frozenset(
        normalise_label(w) for w in knowledge.load_json("parse", "labels.json")["table"]["rank_columns"]
    )


def _first_ranked(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """Rows of a ranked list (排序 第一名 / 第二名 …) are candidates: only the first-ranked one won."""
    column = next((i for i, c in enumerate(header) if normalise_label(c) in _rank_columns()), None)
    if column is None:
        return rows
    return [row for row in rows if _RANK_FIRST.match(_SPACES.sub("", row[column]))]


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
        if not found or not value or value == cells[k] or len(value) > _VALUE_MAX:
            continue
        if label_of(value) or _header_word(value):
            continue
        out.append(TableField(found[0], found[1], cells[k], value, "", source))
    return out
