"""Masking personal data in notice text before it is shown.

Masks keep the text's length (each hidden character becomes `*`), so evidence offsets
into the original text still point at the same words after masking.

Masked: Chinese mobile numbers, 18-digit ID-card numbers, e-mail addresses of individuals
(role mailboxes such as info@ or tender@ stay), names written after a person's role label
(联系人, 负责人, 项目经理, 法定代表人 …), and landline numbers in the few characters after such
a label. Organisation numbers (投诉电话, an agency's switchboard) are not a person's and stay.
"""

from __future__ import annotations

import re

MASK = "*"

PERSON_ROLES = (
    "联系人",
    "负责人",
    "项目负责人",
    "技术负责人",
    "项目经理",
    "项目总监",
    "法定代表人",
    "法人代表",
    "授权代表",
    "委托代理人",
    "经办人",
    "招标人代表",
    "代理机构工作人员",
    "监督人",
    "评审专家",
    "评标委员会成员",
)
ROLE_MAILBOXES = frozenset(
    [
        "info",
        "contact",
        "contacts",
        "office",
        "admin",
        "service",
        "services",
        "support",
        "procurement",
        "purchasing",
        "tender",
        "tenders",
        "bid",
        "bids",
        "zb",
        "zbb",
        "cg",
        "caigou",
        "ggzy",
        "webmaster",
        "noreply",
        "no-reply",
        "mail",
        "postmaster",
        "secretariat",
        "hr",
        "sales",
        "press",
        "media",
        "news",
    ]
)

_ROLE = "|".join(sorted(map(re.escape, PERSON_ROLES), key=len, reverse=True))
_ROLE_LABEL = re.compile(_ROLE)
_NAME_AFTER_ROLE = re.compile(
    rf"(?:{_ROLE})(?:姓名)?\s*[:：]?\s*(?![及和与或的为方电信地邮传手座名姓单])(?P<name>[\u4e00-\u9fff][\u4e00-\u9fff·]{{1,2}})"
    r"(?![\u4e00-\u9fff]*(?:公司|局|院|中心|单位|部门|所|处|科))"
)
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?(?P<num>1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?![0-9A-Za-z])")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{6}(?P<rest>(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx])(?![0-9A-Za-z])")
_EMAIL = re.compile(r"(?P<local>[A-Za-z0-9._%+\-]+)@(?P<domain>[A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
_LANDLINE = re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[- ]?)?[2-9]\d{6,7}(?:-\d{1,5})?(?!\d)")
_LANDLINE_WINDOW = 40
_SENTENCE_END = re.compile(r"[。；;\n]|投诉|监督")
_TITLE_WORDS = frozenset(["先生", "女士", "小姐", "老师", "经理", "工"])


def _hide(chars: list[str], start: int, end: int, keep_start: int = 0, keep_end: int = 0) -> None:
    for i in range(start + keep_start, end - keep_end):
        if chars[i] not in "-@. ":
            chars[i] = MASK


def mask_personal_data(text: str | None) -> str:
    """The text with personal data replaced by `*`, same length as the input."""
    if not text:
        return text or ""
    chars = list(text)
    for m in _MOBILE.finditer(text):
        start, end = m.span("num")
        _hide(chars, start, end, keep_start=3, keep_end=4)
    for m in _ID_CARD.finditer(text):
        start, end = m.span("rest")
        _hide(chars, start, end)
    for m in _EMAIL.finditer(text):
        local = m.group("local")
        if local.lower() in ROLE_MAILBOXES:
            continue
        start, end = m.span("local")
        _hide(chars, start, end, keep_start=1)
    for m in _NAME_AFTER_ROLE.finditer(text):
        start, end = m.span("name")
        name = m.group("name")
        # "张先生" / "王女士": the surname is personal, the form of address is not
        keep_end = 2 if name[1:] in _TITLE_WORDS else 0
        _hide(chars, start, end, keep_end=keep_end if len(name) > 2 else 0)
    for m in _ROLE_LABEL.finditer(text):
        window_end = min(len(text), m.end() + _LANDLINE_WINDOW)
        stop = _SENTENCE_END.search(text, m.end(), window_end)
        if stop:
            window_end = stop.start()
        for phone in _LANDLINE.finditer(text, m.end(), window_end):
            _hide(chars, phone.start(), phone.end(), keep_start=min(4, len(phone.group()) - 4))
    return "".join(chars)


class Masker:
    """Applies masking unless the operator chose to reveal personal data."""

    def __init__(self, reveal: bool = False) -> None:
        self.reveal = reveal

    def __call__(self, text: str | None) -> str:
        if self.reveal:
            return text or ""
        return mask_personal_data(text)
