"""A branch's name → its parent's name: 上海市公安局奉贤分局 → 上海市公安局 (data/entities/branches.json).

The name must end with a branch word (分局, 分公司, 支队 …) after a unit or place word of its own, and
the text before that unit word must end as a parent does (公安局, 有限公司, 银行 …). A link, never a
merge: the branch keeps its own organisation.
"""

from __future__ import annotations

import re
from functools import cache

from procurewatch import knowledge
from procurewatch.entities.keys import branch_markers, folded_name

_UNIT_MIN = 1  # characters between the parent's name and the branch word (奉贤 in 奉贤分局)
_PARENT_MIN = 4


@cache
def _parent_end() -> re.Pattern[str]:
    ends = knowledge.load_json("entities", "branches.json")["parent_ends"]
    return re.compile("|".join(re.escape(e) for e in sorted(ends, key=len, reverse=True)))


def parent_name(name: str) -> str | None:
    """The parent organisation a branch's name names, as written in it; None for a name that is no branch."""
    folded = folded_name(name)
    marker = next((m for m in branch_markers() if folded.endswith(m)), None)
    if marker is None:
        return None
    head = folded[: -len(marker)]
    cut = None
    for m in _parent_end().finditer(head):
        if m.end() >= _PARENT_MIN and len(head) - m.end() >= _UNIT_MIN:
            cut = m.end()
    if cut is None:
        return None
    # folding keeps length one to one up to the quotes it drops: cut the original where the folded text is cut
    original = name.strip()
    return original[:cut] if folded_name(original[:cut]) == head[:cut] else head[:cut]
