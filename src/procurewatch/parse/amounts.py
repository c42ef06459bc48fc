"""Money: 元/万元/亿元, 大写金额, thousands separators, currency marks; the kind of each figure.

All arithmetic is Decimal; the Notice carries floats in currency units (万元 multiplied out).
Rates, discounts and percentages (下浮率 18%, 价格系数98.20%) are never amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from procurewatch import knowledge
from procurewatch.parse.widths import halfwidth, holds_any, markers, spaced, spaced_longest

_LABELS = knowledge.load_json("parse", "labels.json")
RATE_WORDS: tuple[str, ...] = tuple(_LABELS["rate_words"])
TOTAL_WORDS: tuple[str, ...] = tuple(_LABELS["total_words"])
UNIT_PRICE_WORDS: tuple[str, ...] = tuple(_LABELS["unit_price_words"])
LOT_WORDS: tuple[str, ...] = tuple(_LABELS["lot_budget_words"])
_LIMITS = knowledge.load_json("figures.json")["amount_limits"]
AMOUNT_CEILING = Decimal(str(_LIMITS["ceiling"]))
_MINUS_SIGNS = ("-", "−", "‐", "–", "—", "负")

_UNIT_FACTOR = {
    "元": Decimal(1),
    "万元": Decimal(10_000),
    "万": Decimal(10_000),
    "亿元": Decimal(10**8),
    "亿": Decimal(10**8),
}

_DIGITS = {
    "零": 0, "〇": 0, "壹": 1, "一": 1, "贰": 2, "二": 2, "两": 2, "叁": 3, "三": 3, "肆": 4, "四": 4,
    "伍": 5, "五": 5, "陆": 6, "六": 6, "柒": 7, "七": 7, "捌": 8, "八": 8, "玖": 9, "九": 9,
}  # fmt: skip
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_DAXIE_CHARS = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整"

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CURRENCY_PREFIX = r"(?:人民币|RMB|CNY|¥|￥)"
_UNIT = r"(?:亿元|万元|元|亿|万)"
MONEY = re.compile(
    rf"(?P<cur>{_CURRENCY_PREFIX})?\s*(?:(?P<num>{_NUM})\s*(?P<unit>{_UNIT})?(?P<pct>\s*[%％])?"
    rf"|(?P<dx>[{_DAXIE_CHARS}]*[壹贰叁肆伍陆柒捌玖拾佰仟][{_DAXIE_CHARS}]*))"
)
_UNIT_IN_NAME = re.compile(r"[(（]\s*(亿元|万元|元)\s*[)）]")
_EURO_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+),(\d{1,2})(?![\d.,])")
_FOREIGN_MARK = re.compile(r"€|£|\$|\b(?:EUR|USD|GBP|CHF)\b")
_ROW_NUMBER_BELOW = 100
_UNIT_AFTER = re.compile(r"\s*[(（]\s*(亿元|万元|元)\s*[)）]")
_SPACES_RE = re.compile(r"\s+")
_LINE_LIMIT = 160  # a labelled value written as components (可研费…元，设计费…元) stays on one line
_SEGMENT_SPLIT = re.compile(r"[，；;。\n]|,(?!\d{3})")


@dataclass(slots=True, frozen=True)
class FoundAmount:
    value: Decimal
    currency: str
    kind: str  # budget | award | contract
    start: int = -1  # offsets into the text the figure was found in (-1: from a structured field)
    end: int = -1
    rank: int = 0  # lower is a better headline candidate among figures of one kind
    lot: str = ""  # the table row (lot) it was read from; figures of several lots are summed


def chinese_numeral(text: str) -> Decimal | None:
    """大写 (or 小写) Chinese money numerals: 肆佰叁拾柒万陆仟柒佰柒拾元整 → 4376770."""
    total = Decimal(0)
    section = Decimal(0)
    number = Decimal(0)
    fraction = Decimal(0)
    seen_digit = False
    after_yuan = False
    for ch in text:
        if ch in _DIGITS:
            number = Decimal(_DIGITS[ch])
            seen_digit = True
        elif ch in _SMALL_UNITS:
            section += (number if number or seen_digit else Decimal(1)) * _SMALL_UNITS[ch]
            number = Decimal(0)
            seen_digit = True
        elif ch == "万":
            total += (section + number) * 10_000
            section = number = Decimal(0)
        elif ch == "亿":
            total = (total + section + number) * 10**8
            section = number = Decimal(0)
        elif ch in "元圆":
            total += section + number
            section = number = Decimal(0)
            after_yuan = True
        elif ch == "角":
            fraction += number / 10
            number = Decimal(0)
        elif ch == "分":
            fraction += number / 100
            number = Decimal(0)
        elif ch == "整":
            continue
        else:
            return None
    if not seen_digit:
        return None
    if not after_yuan:
        total += section + number
    return total + fraction


def unit_in_field_name(name: str) -> Decimal | None:
    """'中标价(元)' → 1, '预算（万元）' → 10000; None when the name states no unit."""
    m = _UNIT_IN_NAME.search(halfwidth(name) if name else "")
    return _UNIT_FACTOR[m.group(1)] if m else None


def plausible(value: Decimal | None) -> Decimal | None:
    """`value` when it can be a purchase's amount; None when its size is above the ceiling
    (data/figures.json "amount_limits"): such a figure stays text in the notice, never a number."""
    if value is None or not value.is_finite() or abs(value) > AMOUNT_CEILING:
        return None
    return value


def rejection(written: str, value: Decimal | None) -> str | None:
    """Why the figure written as `written` is not taken as an amount, when its size is what rejects it
    (plausible): the note a notice keeps so that a reader sees a figure was set aside."""
    if value is None or (value.is_finite() and abs(value) <= AMOUNT_CEILING):
        return None
    shown = " ".join(written.split())
    if len(shown) > _SHOWN_REJECTED:
        shown = f"{shown[:_SHOWN_REJECTED]}… ({len(shown)} characters)"
    return f"{shown}: above the largest plausible amount ({AMOUNT_CEILING:.0E}), not taken as a number"


_SHOWN_REJECTED = 24


def signed(text: str, start: int) -> bool:
    """Whether a minus sign (or 负) is written right before the figure at `start` (a dash after a digit
    joins a range, 100-200万元, and is no sign)."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    return i > 0 and text[i - 1] in _MINUS_SIGNS and not (i > 1 and text[i - 2].isdigit())


def _money_value(
    m: re.Match[str], default_factor: Decimal | None, rejected: list[str] | None = None
) -> Decimal | None:
    """The value of one MONEY match, or None when it is a rate, has no unit to go by or is implausibly
    large (plausible; why is added to `rejected`); negative when a minus sign is written before it
    (-500万元 is -5,000,000)."""
    unsigned = _unsigned_value(m, default_factor)
    value = plausible(unsigned)
    if value is None and rejected is not None and (note := rejection(m.group(0), unsigned)):
        rejected.append(note)
    if value is not None and signed(m.string, m.start("num") if m.group("num") else m.start("dx")):
        return -value
    return value


def _unsigned_value(m: re.Match[str], default_factor: Decimal | None) -> Decimal | None:
    if m.group("dx"):
        return chinese_numeral(m.group("dx"))
    if m.group("pct"):
        return None
    unit = m.group("unit")
    if unit:
        factor = _UNIT_FACTOR[unit]
    elif default_factor is not None:
        factor = default_factor
    elif m.group("cur"):
        factor = Decimal(1)
    else:
        return None
    try:
        return Decimal(m.group("num").replace(",", "")) * factor
    except InvalidOperation:
        return None


def european_decimals(text: str) -> str:
    """'30.008,00' → '30008.00', '32912,00' → '32912.00'; Chinese/English '1,234,567.5' unchanged.

    A comma is a decimal mark only when one or two digits follow it and nothing else is a decimal
    point; a dot is a thousands mark only in groups of three before such a comma.
    """
    if "," not in text:
        return text
    return _EURO_NUMBER.sub(lambda m: m.group(1).replace(".", "") + "." + m.group(2), text)


def parse_money(
    raw: Any,
    field_name: str = "",
    default_factor: Decimal | None = None,
    rejected: list[str] | None = None,
) -> Decimal | None:
    """One money value from a structured field: numbers as they are, strings in any notation above.

    A field listing explicit components (可研服务费63500元，工程设计费1238000元) gives their sum; a
    segment naming a total (合计/总价) wins over components; rates give None, and so does a price
    with a rate or unit-price part and no total (设计费336000元，施工费下浮率3.5%). A figure too large
    to be an amount gives None, and why is added to `rejected`.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | Decimal):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            return None
        return _kept(str(raw), value, rejected)
    if default_factor is not None:  # (equal factors may differ in exponent: 1E+4, 10000)
        return _written_money(str(raw), field_name, default_factor, rejected)
    value, notes = _money_in_text(str(raw), field_name)
    if rejected is not None:
        rejected.extend(notes)
    return value


@lru_cache(maxsize=4096)
def _money_in_text(raw: str, field_name: str) -> tuple[Decimal | None, tuple[str, ...]]:
    """parse_money of a written value, and the notes on the figures it set aside: kept, as a field's
    values recur across notices (280万元)."""
    notes: list[str] = []
    return _written_money(raw, field_name, None, notes), tuple(notes)


def _written_money(
    raw: str, field_name: str, default_factor: Decimal | None, rejected: list[str] | None
) -> Decimal | None:
    text = european_decimals(halfwidth(raw).strip())
    if not text or "%" in halfwidth(field_name) or text.lower() in ("nan", "inf", "-inf"):
        return None
    factor = unit_in_field_name(field_name) or default_factor
    if factor is None and _FOREIGN_MARK.search(text):
        factor = Decimal(1)  # "30008.00 € con IVA": the currency mark says these are units, not 万元
    bare = text.replace(",", "")
    if re.fullmatch(r"-?\d+(?:\.\d+)?", bare):
        return _kept(text, Decimal(bare) * (factor or Decimal(1)), rejected)
    per_segment: list[tuple[str, Decimal]] = []
    partial = False  # a part of the price is a rate or a unit price: the figures are no total
    for segment in _SEGMENT_SPLIT.split(text):
        if any(w in segment for w in RATE_WORDS + UNIT_PRICE_WORDS):
            partial = True
            continue
        values = [v for m in MONEY.finditer(segment) if (v := _money_value(m, factor, rejected)) is not None]
        if values:
            per_segment.append((segment, values[0]))
    if not per_segment:
        return None
    for segment, value in per_segment:
        if any(w in segment for w in TOTAL_WORDS):
            return value
    if partial:
        return None  # 设计费336000元，建安工程费下浮率3.5%: the award is not 336000
    distinct = list(dict.fromkeys(v for _, v in per_segment))
    if len(distinct) == 1:
        return distinct[0]
    return sum(distinct, Decimal(0))


def _kept(written: str, value: Decimal, rejected: list[str] | None) -> Decimal | None:
    if rejected is not None and (note := rejection(written, value)):
        rejected.append(note)
    return plausible(value)


def kind_from_name(name: str) -> str | None:
    """budget / award / contract from a field name (中标价(元) → award), or None."""
    text = halfwidth(name).lower()
    for kind in ("award", "contract", "budget"):
        if any(label in text for label in _LABELS["amount"][kind]):
            return kind
    english = {"award": ("award", "bid price"), "contract": ("contract",), "budget": ("budget", "estimate")}
    for kind, words in english.items():
        if any(w in text for w in words):
            return kind
    return None


def _label_pattern() -> re.Pattern[str]:
    alternation = spaced_longest(label for names in _LABELS["amount"].values() for label in names)
    return re.compile(
        rf"(?P<label>{alternation})\s*(?:[(（]\s*(?:人民币)?\s*(?P<lunit>亿元|万元|元|%)?(?P<note>[^()（）\n]{{0,10}})[)）])?"
        rf"\s*(?:为|是|约)?\s*[:：]?\s*(?:包\s*\d+\s*[-－:：]\s*)?"
    )


_LABEL_RE = _label_pattern()
_LABEL_MARKERS = markers(label for names in _LABELS["amount"].values() for label in names)
# budget labels rank by their order in the data (most specific first), lot budgets after the whole
_BUDGET_RANK = {
    re.sub(r"\s+", "", label): i + (100 if any(w in label for w in LOT_WORDS) else 0)
    for i, label in enumerate(_LABELS["amount"]["budget"])
}
_LABEL_KIND = {
    re.sub(r"\s+", "", label): kind for kind, names in _LABELS["amount"].items() for label in names
}


def _row_number(text: str, label: re.Match[str], money: re.Match[str]) -> bool:
    """A small bare number on the line after a column label (成交金额(万元) / 1) numbers a row or a rank."""
    if not money.group("num") or money.group("unit") or money.group("cur") or "." in money.group("num"):
        return False
    if "\n" not in text[label.end("label") : money.start("num")]:
        return False
    try:
        return Decimal(money.group("num").replace(",", "")) < _ROW_NUMBER_BELOW
    except InvalidOperation:
        return False


def find_amounts(text: str, rejected: list[str] | None = None) -> list[FoundAmount]:
    """Every labelled money figure in `text` (offsets index `text` itself); a labelled figure too large
    to be an amount is left out, and why is added to `rejected`."""
    found: list[FoundAmount] = []
    if not holds_any(text, _LABEL_MARKERS):
        return found  # no label: the costly search is left out
    norm = halfwidth(text)
    for lm in _LABEL_RE.finditer(norm):
        label = re.sub(r"\s+", "", lm.group("label"))
        if lm.group("lunit") == "%":
            continue
        mm = MONEY.match(norm, lm.end() + norm.startswith(_MINUS_SIGNS, lm.end()))
        if not mm or mm.end() == mm.start() or (mm.group("num") is None and mm.group("dx") is None):
            line_end = norm.find("\n", lm.end())
            line_end = min(line_end if line_end >= 0 else len(norm), lm.end() + _LINE_LIMIT)
            value = (
                parse_money(norm[lm.end() : line_end], lm.group(0), None, rejected)
                if lm.group("note")
                else None
            )
            if value is not None:
                found.append(FoundAmount(value, "CNY", _LABEL_KIND[label], lm.end(), line_end, 0))
            continue
        tail = norm[mm.end() : mm.end() + 2]
        if tail.startswith(("%", "％")):
            continue
        factor = _UNIT_FACTOR.get(lm.group("lunit") or "")
        if mm.group("num") and not mm.group("unit") and (after := _UNIT_AFTER.match(norm, mm.end())):
            factor = _UNIT_FACTOR[after.group(1)]  # 123.45（万元）
        value = _money_value(mm, factor, rejected)
        if value is None or _row_number(norm, lm, mm):
            continue
        if mm.group("num"):
            start, end = mm.start("num"), mm.end("unit") if mm.group("unit") else mm.end("num")
        else:
            start, end = mm.start("dx"), mm.end("dx")
        rank = _BUDGET_RANK.get(label, 0) if _LABEL_KIND[label] == "budget" else 0
        found.append(FoundAmount(value, "CNY", _LABEL_KIND[label], start, end, rank))
    return found


def budget_rank(label: str) -> int:
    """Headline preference of a budget label (lower wins); unknown labels after every known one."""
    return _BUDGET_RANK.get(normalise_label_text(label), len(_BUDGET_RANK))


def normalise_label_text(label: str) -> str:
    return _UNIT_IN_NAME.sub("", re.sub(r"\s+", "", halfwidth(label))).rstrip(":：")


_LOT_MARK = re.compile(
    r"第\s*[一二三四五六七八九十\d]{1,3}\s*(?:包|标段|标包|分包|合同包|采购包)"
    r"|(?:采购包|合同包|分包|标包|标段|包)\s*(?:号|编号)?\s*[:：]?\s*(?:[A-Za-z\d]{1,3}|[一二三四五六七八九十]{1,3})(?![\d\u4e00-\u9fff])"
    r"|[A-Za-z\d]{1,2}\s*包(?![\u4e00-\u9fff])"
)


def with_lots(text: str, found: list[FoundAmount]) -> list[FoundAmount]:
    """Award and contract figures of running text with the lot (包1, 第二标段 …) written before each. A
    figure belongs to a new lot only when a lot mark stands between it and the previous figure; the
    first figure of a lot is kept, a repeat inside one lot (its 大写 form, a total restated) is not."""
    if sum(1 for a in found if a.kind != "budget") < 2:
        return found  # one award figure or none: no lots to tell apart
    marks = [(m.start(), _SPACES_RE.sub("", m.group(0))) for m in _LOT_MARK.finditer(halfwidth(text))]
    out: list[FoundAmount] = []
    seen_lots: set[tuple[str, str]] = set()
    previous_end = 0
    for a in sorted(found, key=lambda a: a.start):
        if a.kind == "budget" or a.start < 0:
            out.append(a)
            continue
        between = [mark for pos, mark in marks if previous_end <= pos < a.start]
        lot = between[-1] if between else (out[-1].lot if out and out[-1].kind == a.kind else "")
        previous_end = a.end
        if lot and (a.kind, lot) in seen_lots:
            continue
        seen_lots.add((a.kind, lot))
        out.append(FoundAmount(a.value, a.currency, a.kind, a.start, a.end, a.rank, lot))
    return out


_BID_WORDS = sorted(_LABELS["table"]["bid"], key=len, reverse=True)
_BID_RE = re.compile(
    rf"(?P<label>{'|'.join(spaced(w) for w in _BID_WORDS)})"
    rf"\s*(?:[(（]\s*(?:人民币)?\s*(?P<lunit>亿元|万元|元)\s*[)）])?"
    rf"\s*(?:为|是)?\s*[:：]?\s*"
)
_BID_REACH = 300  # a winner's bid is written right after its name


def bid_after(text: str, position: int) -> FoundAmount | None:
    """The first bid figure (投标报价 …) within reach after `position` (where the winner is named): the
    price of an award whose notice states no award figure of its own."""
    norm = halfwidth(text)
    window_end = min(len(norm), position + _BID_REACH)
    for lm in _BID_RE.finditer(norm, position, window_end):
        mm = MONEY.match(norm, lm.end())
        if not mm or mm.end() == mm.start() or mm.group("pct") or norm[mm.end() : mm.end() + 1] in "%％":
            continue
        factor = _UNIT_FACTOR.get(lm.group("lunit") or "")
        if mm.group("num") and not mm.group("unit") and (after := _UNIT_AFTER.match(norm, mm.end())):
            factor = _UNIT_FACTOR[after.group(1)]
        value = _money_value(mm, factor)
        if value is not None and not _row_number(norm, lm, mm):
            return FoundAmount(value, "CNY", "award", mm.start(), mm.end(), 0)
    return None
