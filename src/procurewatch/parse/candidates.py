"""Ranked bidders of a candidate notice (第一/二/三中标候选人): who was ranked, not who won.

Two forms, in text or in a table's flattened cells: '第二中标候选人：X公司' and 'X公司为第二中标候选人'.
Read only where the text speaks of candidates (候选); kept apart from the winners (parse/parties.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from procurewatch import knowledge
from procurewatch.parse.parties import clean_name, org_name_ends
from procurewatch.parse.widths import halfwidth

_NAME = r"[\u4e00-\u9fffA-Za-z0-9()（）·\-]"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], dict[str, int]]:
    data = knowledge.load_json("parse", "candidates.json")
    roles = "|".join(sorted(map(re.escape, data["roles"]), key=len, reverse=True))
    ranks = "".join(data["ranks"])
    stops = "|".join(sorted(map(re.escape, data["stops"]), key=len, reverse=True))
    ranking = rf"\s*(?P<rank>[{ranks}])\s*(?:{roles})"  # what follows 第
    heading = rf"第{ranking}"
    # the next heading, a numbered section (四、) or a word that starts another field
    next_heading = rf"第\s*[{ranks}]\s*(?:{roles})|[一二三四五六七八九十]+[、.]|(?:推荐)?(?:{stops})"
    after = re.compile(
        # (?:推荐第|第) is (?:推荐)?第 written so that the search skips to the characters a match opens with
        rf"(?:推荐第|第){ranking}\s*(?:[:：|]|为|是)\s*(?P<name>{_NAME}{{2,60}}?)(?=$|[^\u4e00-\u9fffA-Za-z0-9()（）·\-]|{next_heading})"
    )
    ranked = rf"(?:为|是|确定为|推荐为)\s*{heading}"
    before = re.compile(rf"(?P<name>{_NAME}{{{_BEFORE_NAME_MIN},{_BEFORE_NAME_MAX}}})\s*{ranked}")
    return after, before, re.compile(ranked), dict(data["ranks"])


_BEFORE_NAME_MIN, _BEFORE_NAME_MAX = 4, 60


def _ranked_after_name(
    text: str, before: re.Pattern[str], ranked: re.Pattern[str]
) -> Iterator[re.Match[str]]:
    """What before.finditer(text) finds, searched from just ahead of each '为第一中标候选人': a pattern
    that opens with a run of name characters is costly to try at every position of a long text, and no
    match starts further back than the longest name before the next ranking."""
    start = 0
    while (rank := ranked.search(text, start)) is not None:
        name_end = rank.start()
        while name_end > start and text[name_end - 1].isspace():
            name_end -= 1
        m = before.search(text, max(start, name_end - _BEFORE_NAME_MAX))
        if m is None:
            return
        yield m
        start = m.end()


def candidates_from_text(text: str) -> list[tuple[str, int]]:
    """(name, rank) of each ranked bidder, in rank order; a name is kept once, at its best rank."""
    if "候选" not in text:
        return []
    after, before, ranked, ranks = _patterns()
    flat = halfwidth(text)
    best: dict[str, int] = {}
    for found in (after.finditer(flat), _ranked_after_name(flat, before, ranked)):
        for m in found:
            name = clean_name(m.group("name"))
            if not name or not org_name_ends(name) or "候选" in name:
                continue
            rank = ranks[m.group("rank")]
            best[name] = min(rank, best.get(name, rank))
    return sorted(best.items(), key=lambda item: item[1])
