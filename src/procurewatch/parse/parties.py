"""Buyer and suppliers: from the source's structured fields, else from labelled text.

Names stop at punctuation and at the next label; contact persons and phone numbers are never
part of a name. Consortia (A、B联合体) are split into their members. Candidate lists
(中标候选人) are not suppliers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from procurewatch import knowledge
from procurewatch.parse.widths import halfwidth, spaced

_LABELS = knowledge.load_json("parse", "labels.json")
_OPERATORS = knowledge.load_json("parse", "operators.json")
OPERATORS: tuple[str, ...] = tuple(_OPERATORS["operators"])
_TOKENS = "|".join(_OPERATORS["tokens"])
_TOKEN_RE = re.compile(_TOKENS)

_NAME_CHARS = r"[\u4e00-\u9fffA-Za-z0-9()（）·\-、]"
_STOP_WORDS = re.compile(
    r"(?:地址|地点|联系人|联系方式|联系电话|电话|传真|邮编|邮箱|项目名称|采购代理|代理机构|招标代理|统一社会信用代码|法定代表人|负责人|名称)"
)
_NOT_A_NAME = re.compile(r"^(?:详见|见|无|/|—|-|待定|本项目|以下|提供|应|须|的|在|和|或|为|及)")
_ORG_END = re.compile(
    r"(?:公司|局|院|校|学|中心|委员会|政府|办公室|站|所|队|处|馆|厅|会|部|集团|医院|大学|监狱|社|场|行|室|台|委|团|园|区|镇|乡|村)(?:[(（][^)）]{1,8}[)）])?$"
)


@dataclass(frozen=True, slots=True)
class _LabelRegex:
    """A label followed by a name (pattern), and the labels alone (labels): labels are rare in a text,
    and the pattern, which opens with any non-Han character, is costly to try at every position."""

    pattern: re.Pattern[str]
    labels: re.Pattern[str]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """What pattern.finditer(text) finds, tried only just before each label: a match opens with the
        character before its label (or at the text's start, with the label)."""
        start = 0
        at = self.labels.search(text)
        while at is not None:
            label = at.start()
            tried = label - 1 if label else 0
            if tried >= start and (m := self.pattern.match(text, tried)):
                yield m
                start = m.end()
                at = self.labels.search(text, start + 1)
            else:
                at = self.labels.search(text, label + 1)


def _label_regex(words: Iterable[str]) -> _LabelRegex:
    alternation = "|".join(spaced(w) for w in sorted(words, key=len, reverse=True))
    return _LabelRegex(
        re.compile(
            rf"(?:^|[^\u4e00-\u9fff])(?P<label>{alternation})(?:\s*信息)?(?:\s*名\s*称)?"
            rf"(?:\s*[:：]\s*|[ \t]+|为)(?:&{{2,}}[^&\n]{{0,30}}&{{2,}})?(?P<name>{_NAME_CHARS}{{2,80}})"
        ),
        re.compile(alternation),
    )


_BUYER_RE = _label_regex(_LABELS["buyer"])
_BUYER_PRIORITY = {label: i for i, label in enumerate(_LABELS["buyer"])}
_ADDRESSEE = re.compile(rf"^\s*(?P<name>{_NAME_CHARS}{{4,60}})\s*[:：]\s*$", re.MULTILINE)
_SUPPLIER_RE = _label_regex(_LABELS["supplier"])
_ENTRUSTED_BY = re.compile(
    r"受\s*(?P<name>[\u4e00-\u9fffA-Za-z0-9()（）·\-]{4,60}?)\s*(?:[(（]以下简称[^)）]{0,16}[)）])?\s*(?:的)?委托"
)
_SUPPLIER_NEEDS_PHASE = frozenset(_LABELS["supplier_needs_phase"])

# Telecom notices: the purchasing entity as first written in the title.
_TITLE_PREFIX = re.compile(r"^\s*(?:关于(?:征集|征求)?)?\s*(?:\d{4}(?:\s*[-—至~]\s*\d{4})?年(?:度)?)?\s*")
_TITLE_ORG = re.compile(
    r"^(?P<org>[\u4e00-\u9fff]{2,24}?(?:有限公司|分公司|公司)(?:[\u4e00-\u9fff]{1,12}?(?:分公司|公司))?)"
)
_OPERATOR_RE = re.compile("|".join(map(re.escape, OPERATORS)))
_NOT_IN_ORG = re.compile(r"征集|征求|采购|项目|关于|公告|服务")
_TITLE_OPERATOR = re.compile(rf"^(?P<org>[\u4e00-\u9fff]{{2,8}}?(?:{_TOKENS})(?:分公司)?)")


@lru_cache(maxsize=2048)  # a source's buyers and winners recur across its notices
def clean_name(raw: str) -> str | None:
    """A name cut at the next label and trimmed; None when it is not a name."""
    name = halfwidth(raw).strip()
    stop = _STOP_WORDS.search(name)
    if stop:
        name = name[: stop.start()]
    name = name.strip(" 、-·:：")
    # Unbalanced trailing bracket from a cut: 上海市公安局奉贤分局(本部 → keep only balanced text
    if name.count("(") > name.count(")"):
        name = name[: name.rfind("(")]
    if name.count("（") > name.count("）"):
        name = name[: name.rfind("（")]
    if len(name) < 2 or _NOT_A_NAME.match(name) or name.isdigit():
        return None
    return name


_MEMBER_ROLE = re.compile(
    r"[(（]\s*(?:联合体)?\s*(?:牵头人|牵头方|牵头单位|主体|成员|成员方|成员单位)\s*[)）]|[(（]\s*联合体\s*[)）]"
)


def org_name_ends(name: str) -> bool:
    """Whether `name` ends as an organisation's name does (公司, 局, 中心 …)."""
    return _ORG_END.search(name) is not None


_MEMBER_MARK_AT_END = re.compile(r"[(（]?(?:联合体|牵头人|成员)[)）]?$")
_WHITESPACE = re.compile(r"\s+")


def split_consortium(name: str) -> list[str]:
    """'A公司、B公司联合体' → ['A公司', 'B公司']; other names unchanged."""
    core = _MEMBER_ROLE.sub("", name.strip())
    core = _MEMBER_MARK_AT_END.sub("", core).strip()
    if "、" not in core:
        return [core] if core else []
    members = [m.strip() for m in core.split("、") if m.strip()]
    if all(_ORG_END.search(m) for m in members):
        return members
    return [core]


def buyer_from_text(text: str) -> str | None:
    """The organisation after the most specific buyer label (采购人 before 采购单位 …), first in the text;
    else the organisation an agency acts for (受X委托, X（以下简称“招标人”）)."""
    found = _labelled_buyer(text)
    if found:
        return found
    m = _ENTRUSTED_BY.search(halfwidth(text))
    if m:
        name = clean_name(m.group("name"))
        if name and _ORG_END.search(name):
            return name
    return None


def _labelled_buyer(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for m in _BUYER_RE.finditer(halfwidth(text)):
        name = clean_name(m.group("name"))
        if not name or not _ORG_END.search(name.split("、")[-1]):
            continue
        priority = _BUYER_PRIORITY.get(re.sub(r"\s+", "", m.group("label")), len(_BUYER_PRIORITY))
        if best is None or priority < best[0]:
            best = (priority, name)
    return best[1] if best else None


def addressee(text: str) -> str | None:
    """The organisation a single-source invitation is addressed to (a line 'X公司：' on its own)."""
    m = _ADDRESSEE.search(halfwidth(text))
    if m:
        name = clean_name(m.group("name"))
        if name and _ORG_END.search(name):
            return name
    return None


def suppliers_from_text(text: str, phase: str) -> list[str]:
    """Winning suppliers after supplier labels; only for notices that name winners."""
    found: list[str] = []
    for m in _SUPPLIER_RE.finditer(halfwidth(text)):
        label = _WHITESPACE.sub("", m.group("label"))
        if label in _SUPPLIER_NEEDS_PHASE and phase not in ("award", "contract"):
            continue
        name = clean_name(m.group("name"))
        if not name or not _ORG_END.search(name):
            continue
        for member in split_consortium(name):
            if member not in found:
                found.append(member)
    return found


def is_operator(name: str | None) -> bool:
    """A telecom operator's name (中国移动 …)."""
    return bool(name and _OPERATOR_RE.search(name))


def names_operator(name: str | None) -> bool:
    """A name with an operator word in it (福建移动, 云霄电信, 铁塔能源福建分公司)."""
    return bool(name) and _TOKEN_RE.search(name) is not None


def operator_in(text: str) -> str | None:
    """The first telecom operator named in `text` (中国移动 …), or None."""
    m = _OPERATOR_RE.search(text)
    return m.group(0) if m else None


def buyer_from_title(title: str) -> str | None:
    """The purchasing entity as first written in a telecom operator's title (中国电信泉港分公司, 福建移动)."""
    head = _TITLE_PREFIX.sub("", halfwidth(title), count=1)
    m = _TITLE_ORG.match(head)
    if m:
        org = m.group("org")
        if (_TOKEN_RE.search(org) or "有限公司" in org) and not _NOT_IN_ORG.search(org):
            return org
    m = _TITLE_OPERATOR.match(head)
    if m:
        return m.group("org")
    return None


_TITLE_BUYER = _LABELS["title_buyer"]
_TITLE_BUYER_RE = re.compile(
    r"^(?P<org>[\u4e00-\u9fff]{2,24}?(?:"
    + "|".join(sorted(map(re.escape, _TITLE_BUYER["suffixes"]), key=len, reverse=True))
    + r"))"
)
_REGION_TAG = re.compile(
    r"^\s*[\[【(（][^\]】)）]{1,16}[\]】)）]\s*"
)  # a portal's [区域] tag before the title
_AREA_TAG = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:市区|新区|区|县)")
_PLACE_OR_BODY = re.compile(r"[省市县]|大学|医院")
_AREA_LOOKAHEAD = 6
_TITLE_BUYER_NOT = re.compile("|".join(map(re.escape, _TITLE_BUYER["not_in_name"])))


def buyer_opening_title(title: str) -> str | None:
    """The buying body a title opens with (山西省财政厅…采购项目中标公告), or None."""
    head = _TITLE_PREFIX.sub("", _REGION_TAG.sub("", halfwidth(title).strip(), count=1), count=1)
    for noise in _TITLE_BUYER["opening_noise"]:  # an agency's own words before the body it acts for
        head = head.removeprefix(noise)
    # a portal's area word glued before the body's own name (高新区南京大学…, 苏州市区苏州市公安局…)
    if (tag := _AREA_TAG.match(head)) and _PLACE_OR_BODY.search(
        head[tag.end() : tag.end() + _AREA_LOOKAHEAD]
    ):
        head = head[tag.end() :]
    m = _TITLE_BUYER_RE.match(head)
    if not m or _TITLE_BUYER_NOT.search(m.group("org")):
        return None
    rest = head[m.end() :]
    # the longest body the title names before its project (…公安局交警支队): extend while a suffix follows
    while (more := _TITLE_BUYER_RE.match(rest)) and not _TITLE_BUYER_NOT.search(more.group("org")):
        if len(more.group("org")) > 8:
            break
        rest = rest[more.end() :]
    org = head[: len(head) - len(rest)]
    return org if len(org) >= 4 else None
