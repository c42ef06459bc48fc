"""Masking personal data in notice text (and in buyer, supplier, URL, code and file-name fields) before
it is shown.

Masks keep the text's length (each hidden character becomes `*`), so evidence offsets into the original
text still point at the same words after masking.

Masked: Chinese mobile numbers (with +86, spaces, dashes or dots, in full-width digits too: the middle
four digits), 18- and 15-digit ID-card numbers (spaced or not: all but the region), e-mail addresses of
individuals (also written name(at)126.com; role mailboxes such as info@ or tender@ stay), names after a
person's label (联系人, 联 系 人, 联系人及电话, 姓名, Contact person: … — data/privacy.json), every name of a
list (张三、郑十一), and landline numbers in the few characters after such a label. Organisation numbers
(投诉电话, an agency's switchboard) are not a person's and stay.

Linear time: every pattern is either anchored by a single-character look-behind or has bounded
repetition, and each candidate is classified by a bounded look at its neighbourhood (bench/masking.py).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cache
from typing import Any

from markupsafe import Markup

from procurewatch import knowledge

MASK = "*"
_KEEP = frozenset("-@. ")  # separators stay, so a masked number keeps its shape
_SPACE = " \t\u3000"
_SEP = f"[{_SPACE}]{{0,3}}"
_FULL_WIDTH = {0xFF10 + i: ord("0") + i for i in range(10)} | {
    ord("＠"): ord("@"),
    ord("．"): ord("."),
    ord("－"): ord("-"),
    ord("＋"): ord("+"),
    ord("Ｘ"): ord("X"),
    ord("ｘ"): ord("x"),
}
_HAS_FULL_WIDTH = re.compile("[０-９＠．－＋Ｘｘ]")
_NUMBER_CANDIDATE = re.compile(r"[0-9][0-9 .\-]{6,}[Xx]?")
_DIGIT_GROUP = re.compile(r"[0-9]+(?:[ .\-][0-9]+)*[Xx]?")
_DIGIT_RUN = re.compile(r"[0-9]+[Xx]?")
_GROUP_SPAN = 6  # segments one number may be written in (4205 0219 8001 0112 34 …)
# an @ (or a spelled-out one) only where a domain with a dot follows: a run of @ is looked at in C
_AT = re.compile(r"(?:@|[(\[【（] ?[Aa][Tt] ?[)\]】）])(?= ?[A-Za-z0-9\-]{1,63}\.[A-Za-z0-9])")
_LATIN_COLON = re.compile(rf"[A-Za-z]{_SEP}[:：]{_SEP}")
_LATIN_LABEL_MAX = 24
_LOCAL_REVERSED = re.compile(r"[A-Za-z0-9._%+\-]{1,64}")
_DOMAIN = re.compile(r"[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
_LANDLINE_DIGITS = 7
_LANDLINE_CHARS = 24  # 0086-0716-12345678-12345 and room to spare
_NUMBER_DIGITS = 11
_HEX = frozenset("0123456789abcdef")
_DIGEST_MIN, _DIGEST_MAX = 16, 64
_NUMBER_LENGTHS = frozenset([11, 13, 15, 18])  # a mobile (+86, 0086), an old or a new ID number
_LATIN_NAME = re.compile(r"[A-Z][A-Za-z'\-]{0,24}(?:[ .]{1,2}[A-Za-z][A-Za-z'\-]{0,24}){0,3}")
_SENTENCE_END = re.compile(r"[。；;\n]|投诉|监督")


class _Rules:
    """data/privacy.json, compiled once."""

    def __init__(self) -> None:
        data = knowledge.load_json("privacy.json")
        labels = sorted(data["person_labels"], key=len, reverse=True)
        suffixes = sorted(data["label_suffixes"], key=len, reverse=True)
        spaced = "|".join(f"[{_SPACE}]{{0,2}}".join(map(re.escape, label)) for label in labels)
        suffix = "|".join(map(re.escape, suffixes))
        self.label = re.compile(rf"(?:{spaced})(?:{suffix})?{_SEP}[:：]?{_SEP}")
        latin_labels = sorted(data["latin_labels"], key=len, reverse=True)
        latin = "|".join(re.escape(x).replace(r"\ ", " +") for x in latin_labels)
        self.latin_label = re.compile(rf"(?<![A-Za-z])(?:{latin})$", re.IGNORECASE)
        self.latin_stops = frozenset(data["latin_stop_words"])
        traders = "|".join(re.escape(x) for x in sorted(data["sole_trader_labels"], key=len, reverse=True))
        # the person's name: up to four capitalised words (Latin or Cyrillic), initials included
        self.sole_trader = re.compile(
            rf"(?<![^\W\d_])(?i:{traders})[ \t\"«“]{{1,3}}"
            r"((?:[A-ZА-ЯЁІЇЄҐ][A-Za-zА-Яа-яЁёІіЇїЄєҐґ'’\-]{0,24}\.?[ \t]{0,2}){1,4})"
        )
        self.name_max: int = data["name_max"]
        self.not_first = frozenset(data["not_first"])
        self.stops = re.compile("|".join(map(re.escape, data["stop_words"])))
        self.orgs = re.compile("|".join(map(re.escape, data["org_words"])))
        self.titles = tuple(data["title_words"])
        self.name_separators = frozenset(data["name_separators"])
        self.window: int = data["landline_window"]
        self.role_mailboxes = frozenset(data["role_mailboxes"])


@cache
def _rules() -> _Rules:
    return _Rules()


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def _digits(text: str, start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if text[i].isdigit() or text[i] in "Xx"]


def _id_date(month: str, day: str) -> bool:
    return "01" <= month <= "12" and "01" <= day <= "31"


def _number_kind(digits: str) -> str | None:
    """mobile, id18, id15 or None for the digits (and a final X) of one written number."""
    bare = digits.removeprefix("0086") if digits.startswith("0086") else digits
    if len(bare) == 13 and bare.startswith("86"):
        bare = bare[2:]
    if len(bare) == 11 and bare[0] == "1" and bare[1] in "3456789" and bare.isdigit():
        return "mobile"
    if (
        len(digits) == 18
        and digits[:17].isdigit()
        and (digits[17].isdigit() or digits[17] in "Xx")
        and digits[6:8] in ("18", "19", "20")
        and _id_date(digits[10:12], digits[12:14])
    ):
        return "id18"
    if len(digits) == 15 and digits.isdigit() and _id_date(digits[8:10], digits[10:12]):
        return "id15"
    return None


def _hide_number(kind: str, positions: list[int], spans: list[tuple[int, int]]) -> None:
    hidden = positions[-11:][3:7] if kind == "mobile" else positions[6:]
    _add_positions(hidden, spans)


def _add_positions(positions: list[int], spans: list[tuple[int, int]]) -> None:
    """Character positions as spans, consecutive ones joined."""
    start = prev = -2
    for i in positions:
        if i != prev + 1:
            if start >= 0:
                spans.append((start, prev + 1))
            start = i
        prev = i
    if start >= 0:
        spans.append((start, prev + 1))


def _numbers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """Mask mobiles and ID numbers; return every digit group (start, end, classified) for landlines."""
    groups: list[tuple[int, int, bool]] = []
    for candidate in _NUMBER_CANDIDATE.finditer(text):
        _number_groups(text, candidate.start(), candidate.end(), spans, groups)
    return groups


def _in_digest(text: str, start: int, end: int) -> bool:
    """A number inside a hexadecimal digest (a notice's or a procurement's id) is no person's: masking it
    would break the id's links."""
    left, right = start, end
    while left > 0 and start - left < _DIGEST_MAX and text[left - 1] in _HEX:
        left -= 1
    while right < len(text) and right - end < _DIGEST_MAX and text[right] in _HEX:
        right += 1
    glued = (left > 0 and text[left - 1].isalnum()) or (right < len(text) and text[right].isalnum())
    return not glued and _DIGEST_MIN <= right - left <= _DIGEST_MAX and text[left:right] != text[start:end]


def _number_groups(
    text: str, start: int, end: int, spans: list[tuple[int, int]], groups: list[tuple[int, int, bool]]
) -> None:
    for g in _DIGIT_GROUP.finditer(text, start, end):
        if _in_digest(text, g.start(), g.end()):
            continue
        if g.end() - g.start() < _NUMBER_DIGITS:
            if g.end() - g.start() >= _LANDLINE_DIGITS:
                groups.append((g.start(), g.end(), False))
            continue
        if g.group()[:-1].isdigit():
            # the common case, a number written without separators: one look at its digits
            kind = _number_kind(g.group())
            if kind:
                _hide_number(kind, _digits(text, g.start(), g.end()), spans)
            groups.append((g.start(), g.end(), kind is not None))
            continue
        groups.append((g.start(), g.end(), _numbers_in_group(text, g.start(), g.group(), spans)))


def _numbers_in_group(text: str, offset: int, group: str, spans: list[tuple[int, int]]) -> bool:
    """Mask the mobiles and ID numbers among the runs of a spaced or dotted digit group, each written in
    at most _GROUP_SPAN runs (138 1234 5678, 420502 19800101 1234); whether any was."""
    runs = [(m.start() + offset, m.end() + offset) for m in _DIGIT_RUN.finditer(group)]
    reach = [0] * (len(runs) + 1)  # digits of runs[:k], to skip windows too short for any number
    for k, (a, b) in enumerate(runs):
        reach[k + 1] = reach[k] + b - a
    classified = False
    i = 0
    while i < len(runs):
        if reach[min(i + _GROUP_SPAN, len(runs))] - reach[i] < _NUMBER_DIGITS:
            i += 1
            continue
        best: tuple[int, str] | None = None
        for j in range(i, min(i + _GROUP_SPAN, len(runs))):
            length = reach[j + 1] - reach[i]
            if length > 20:
                break
            if length in _NUMBER_LENGTHS:
                kind = _number_kind("".join(text[a:b] for a, b in runs[i : j + 1]))
                best = (j, kind) if kind else best
        if best is None:
            i += 1
            continue
        j, kind = best
        _hide_number(kind, _digits(text, runs[i][0], runs[j][1]), spans)
        classified = True
        i = j + 1
    return classified


def _emails(text: str, spans: list[tuple[int, int]]) -> None:
    """From each @ (or (at)) outwards, each side read within the bounds an address has."""
    rules = _rules()
    done = 0
    for at in _AT.finditer(text):
        if at.start() < done:
            continue
        before = at.start() - (text[at.start() - 1 : at.start()] == " ")
        local = _LOCAL_REVERSED.match(text[max(0, before - 64) : before][::-1])
        domain = _DOMAIN.match(text, at.end() + (text[at.end() : at.end() + 1] == " "))
        if not local or not domain:
            continue
        labels = domain.group().split(".")
        while labels and not (labels[-1].isalpha() and len(labels[-1]) >= 2):
            labels.pop()
        start = before - local.end()
        if len(labels) < 2 or text[start:before].lower() in rules.role_mailboxes:
            continue
        spans.append((start + 1, before))
        done = domain.end()


def _name_end(text: str, start: int) -> int:
    """The end of the Chinese name written at `start`, or -1 when none is."""
    rules = _rules()
    n = len(text)
    if start >= n or not _cjk(text[start]) or text[start] in rules.not_first:
        return -1
    if rules.label.match(text, start):
        return -1  # a label written twice (联系人：联系人：) names no one
    i, count, end = start, 0, start
    while i < n and count < rules.name_max and (_cjk(text[i]) or (text[i] == "·" and count)):
        if count and rules.stops.match(text, i):
            break
        count += 1
        i += 1
        end = i
        gap = i
        while gap < n and gap - i < 3 and text[gap] in _SPACE:
            gap += 1
        if gap > i and gap < n and _cjk(text[gap]) and not rules.stops.match(text, gap):
            i = gap
    if count == 1 and not text.startswith(rules.titles, end):
        return -1
    after = end
    while after < n and after - end < 12 and _cjk(text[after]):
        after += 1
    if rules.orgs.search(text, start, after):
        return -1
    return end


def _latin_name(text: str, start: int, spans: list[tuple[int, int]]) -> None:
    m = _LATIN_NAME.match(text, start)
    if not m or text.startswith(("@", "(at)", "[at]"), m.end()):
        return
    stops = _rules().latin_stops
    end = start
    for word in re.finditer(r"[A-Za-z'\-]+", m.group()):
        if word.group().lower() in stops:
            break
        end = start + word.end()
    if end > start:
        spans.append((start, end))


def _names(text: str, spans: list[tuple[int, int]], groups: list[tuple[int, int, bool]]) -> None:
    rules = _rules()
    starts = [g[0] for g in groups]
    for label in rules.label.finditer(text):
        pos = label.end()
        if pos < len(text) and text[pos].isascii() and text[pos].isalpha():
            _latin_name(text, pos, spans)
        else:
            for _ in range(rules.name_max * 4):  # a list of names: 张三、郑十一
                end = _name_end(text, pos)
                if end < 0:
                    break
                keep = len(next((t for t in rules.titles if text.startswith(t, end)), ""))
                spans.append((pos, end))
                pos = end + keep
                if pos >= len(text) or text[pos] not in rules.name_separators:
                    break
                pos += 1
        _landlines(text, label.end(), spans, groups, starts)
    for trader in rules.sole_trader.finditer(text):
        name = trader.group(1).rstrip(" \t")  # the match is short: no copy of the text before it
        spans.append((trader.start(1), trader.start(1) + len(name)))
    for colon in _LATIN_COLON.finditer(text):
        if rules.latin_label.search(text, max(0, colon.start() - _LATIN_LABEL_MAX), colon.start() + 1):
            _latin_name(text, colon.end(), spans)


def _landlines(
    text: str,
    start: int,
    spans: list[tuple[int, int]],
    groups: list[tuple[int, int, bool]],
    starts: list[int],
) -> None:
    rules = _rules()
    window_end = min(len(text), start + rules.window)
    stop = _SENTENCE_END.search(text, start, window_end)
    if stop:
        window_end = stop.start()
    k = bisect_left(starts, start)
    while k < len(groups) and groups[k][0] < window_end:
        g_start, g_end, classified = groups[k]
        k += 1
        if g_end - g_start > _LANDLINE_CHARS:
            continue  # no telephone number is this long
        positions = _digits(text, g_start, g_end)
        runs = [len(r) for r in re.findall(r"[0-9]+", text[g_start:g_end])]
        if classified or len(positions) < 7 or (len(runs) == 3 and runs[0] == 4 and max(runs[1:]) <= 2):
            continue  # a mobile or ID already masked, a short figure or a date
        # the area code stays (027-, 0716-), as on a switchboard number
        keep = runs[0] if len(runs) > 1 and runs[0] <= 4 else min(4, len(positions) - 4)
        _add_positions(positions[keep:], spans)


def personal_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` to hide, unsorted and possibly overlapping."""
    folded = text.translate(_FULL_WIDTH) if _HAS_FULL_WIDTH.search(text) else text
    spans: list[tuple[int, int]] = []
    groups = _numbers(folded, spans)
    _emails(folded, spans)
    _names(folded, spans, groups)
    return spans


def mask_personal_data(text: str | None) -> str:
    """The text with personal data replaced by `*`, same length as the input."""
    if not text:
        return text or ""
    spans = personal_spans(text)
    if not spans:
        return text
    pieces: list[str] = []
    done = 0
    for start, end in sorted(spans):
        start = max(start, done)
        if start >= end:
            continue
        pieces.append(text[done:start])
        pieces.append("".join(c if c in _KEEP else MASK for c in text[start:end]))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


# values that are the store's own identifiers, never a notice's words: masking them would break links
_IDENTIFIER_KEYS = frozenset(["id", "ids", "fingerprint", "members", "decided_on"])


def identifier_key(key: object) -> bool:
    """Whether a field of this name holds the store's identifiers (never masked)."""
    return isinstance(key, str) and (key in _IDENTIFIER_KEYS or key.endswith(("_id", "_ids")))


def mask_record(value: Any, key: object = None) -> Any:
    """`value` (a record, a list of records, a string) with every string value masked but the store's
    identifiers (id, procurement_id …; keys are field names or ids, kept): the one masking point of an
    outgoing JSON answer, an export row or a report section."""
    if isinstance(value, str):
        return value if identifier_key(key) else mask_personal_data(value)
    if isinstance(value, dict):
        return {k: mask_record(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_record(v, key) for v in value]
    return value


class Masker:
    """Applies masking unless the operator chose to reveal personal data."""

    def __init__(self, reveal: bool = False) -> None:
        self.reveal = reveal

    def __call__(self, text: str | None) -> str:
        if self.reveal:
            return text or ""
        return mask_personal_data(text)

    def record(self, value: Any) -> Any:
        """`value` through mask_record, unless personal data is revealed."""
        return value if self.reveal else mask_record(value)

    def shown(self, value: Any) -> Any:
        """What a template prints: strings masked (escaping comes after), anything else as it is."""
        if self.reveal or not isinstance(value, str) or isinstance(value, Markup):
            return value
        return mask_personal_data(value)
