"""Ranked bidders of a candidate notice (第一/二/三中标候选人): who was ranked, not who won.

Two forms, in text or in a table's flattened cells: '第二中标候选人：X公司' and 'X公司为第二中标候选人'.
Read only where the text speaks of candidates (候选); kept apart from the winners (parse/parties.py).
"""

from __future__ import annotations

import re
from functools import cache

from procurewatch import knowledge
from procurewatch.parse.parties import clean_name, org_name_ends
from procurewatch.parse.widths import halfwidth

_NAME = r"[\u4e00-\u9fffA-Za-z0-9()（）·\-]"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, int]]:
    data = knowledge.load_json("parse", "candidates.json")
    roles = "|".join(sorted(map(re.escape, data["roles"]), key=len, reverse=True))
    ranks = "".join(data["ranks"])
    stops = "|".join(sorted(map(re.escape, data["stops"]), key=len, reverse=True))
    heading = rf"第\s*(?P<rank>[{ranks}])\s*(?:{roles})"
    # the next heading, a numbered section (四、) or a word that starts another field
    next_heading = rf"第\s*[{ranks}]\s*(?:{roles})|[一二三四五六七八九十]+[、.]|(?:推荐)?(?:{stops})"
    after = re.compile(
        rf"(?:推荐)?{heading}\s*(?:[:：|]|为|是)\s*(?P<name>{_NAME}{{2,60}}?)(?=$|[^\u4e00-\u9fffA-Za-z0-9()（）·\-]|{next_heading})"
    )
    before = re.compile(rf"(?P<name>{_NAME}{{4,60}})\s*(?:为|是|确定为|推荐为)\s*{heading}")
    return after, before, dict(data["ranks"])


def candidates_from_text(text: str) -> list[tuple[str, int]]:
    """(name, rank) of each ranked bidder, in rank order; a name is kept once, at its best rank."""
    if "候选" not in text:
        return []
    after, before, ranks = _patterns()
    flat = halfwidth(text)
    best: dict[str, int] = {}
    for pattern in (after, before):
        for m in pattern.finditer(flat):
            name = clean_name(m.group("name"))
            if not name or not org_name_ends(name) or "候选" in name:
                continue
            rank = ranks[m.group("rank")]
            best[name] = min(rank, best.get(name, rank))
    return sorted(best.items(), key=lambda item: item[1])
