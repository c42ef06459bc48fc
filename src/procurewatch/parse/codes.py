"""Project codes: 项目编号/招标编号/采购编号 … in text, or a code in parentheses in the title."""

from __future__ import annotations

import re

from procurewatch import knowledge
from procurewatch.parse.widths import halfwidth, holds_any, markers, spaced

_LABELS = sorted(knowledge.load_json("parse", "labels.json")["project_code"], key=len, reverse=True)
_CODE = r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff\-_/\[\]〔〕【】()（）.#]{2,60}"
_LABEL_MARKERS = markers(_LABELS)  # a text without them holds no label: its search is left out
_LABELLED = re.compile(rf"(?:{'|'.join(spaced(w) for w in _LABELS)})\s*[:：]\s*(?P<code>{_CODE})")
_TITLE_CODE = re.compile(r"[(（\[【](?P<code>[A-Z]{2,}[A-Z0-9\-_]*\d{4,}[A-Z0-9\-_]*)[)）\]】]")
_HAS_DIGIT = re.compile(r"\d")


def _clean(code: str) -> str | None:
    code = code.strip().rstrip(".")
    # a code runs until prose starts (项目名称, 采购方式 …): keep its leading non-prose part
    m = re.match(r"[^\u4e00-\u9fff]*(?:[\u4e00-\u9fff]{1,6}[^\u4e00-\u9fff]+)*", code)
    if m and m.group(0):
        code = m.group(0)
    code = code.strip("()（）[]【】 ")
    if len(code) < 4 or not _HAS_DIGIT.search(code) or code.startswith("详见"):
        return None
    return code


def project_code(title: str, text: str) -> str | None:
    """The first labelled project code in `text`, else a code in brackets in `title`."""
    for m in _LABELLED.finditer(halfwidth(text)) if holds_any(text, _LABEL_MARKERS) else ():
        code = _clean(m.group("code"))
        if code:
            return code
    m = _TITLE_CODE.search(halfwidth(title))
    return m.group("code") if m else None
