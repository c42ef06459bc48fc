"""An organisation's name → its key: what varies between spellings of one organisation taken out.

Folded (full/half width, case, Traditional → Simplified, as detect/folding.py does for matching),
brackets unified, legal forms dropped (data/entities/legal_forms.json: 有限公司, (集团), Co., Ltd.,
GmbH, S.A., ТОВ …), then every space and punctuation mark removed. Two names with one key are one
organisation (rule `same-key` in entities/resolve.py).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from procurewatch import knowledge
from procurewatch.detect.folding import normalise

_OPEN = "【〔［[{《<〈「『"
_CLOSE = "】〕］]}》>〉」』"
_BRACKETS = str.maketrans(_OPEN + _CLOSE, "(" * len(_OPEN) + ")" * len(_CLOSE))
_QUOTES = re.compile("[\"'“”‘’«»„]")
# spaces and punctuation; a '?' inside a word stays: it stands for a character lost to a bad decoding
# (M?XICO), which entities/resolve.py matches as any one character
_NOT_WORD = re.compile(r"[^\w?]+|_+|(?<!\w)\?+|\?+(?!\w)")
_LATIN_SEPARATORS = re.compile(r"[.&/\\+;:!·・\-]+")


@cache
def _forms() -> dict[str, list[str]]:
    data = knowledge.load_json("entities", "legal_forms.json")
    return {k: list(v) for k, v in data.items() if not k.startswith("_")}


@cache
def _bracketed() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(_forms()["bracketed"], key=len, reverse=True))
    return re.compile(rf"\(\s*(?:{words})\s*\)")


@cache
def _anywhere() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(_forms()["cjk_anywhere"], key=len, reverse=True))
    return re.compile(words)


@cache
def _word_lists() -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    forms = _forms()

    def split(entries: list[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(sorted({tuple(e.split()) for e in entries}, key=len, reverse=True))

    return split(forms["latin_suffix"]), split(forms["latin_prefix"]), tuple(forms["cjk_suffix"])


def folded_name(name: str) -> str:
    """The name folded and with brackets unified: the form keys and branch rules read."""
    return _QUOTES.sub("", normalise(name).text.translate(_BRACKETS)).replace("ß", "ss").strip()


def _joined_initials(words: list[str]) -> list[str]:
    """Runs of one-letter words as one word: 's a de c v' → 'sa de cv', 'sp z o o' → 'sp zoo'."""
    out: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha() and word.isascii():
            run += word
            continue
        if run:
            out.append(run)
            run = ""
        out.append(word)
    return [*out, run] if run else out


def _strip_latin(words: list[str]) -> list[str]:
    suffixes, prefixes, _ = _word_lists()
    changed = True
    while changed and len(words) > 1:
        changed = False
        for form in suffixes:
            if len(words) > len(form) and tuple(words[-len(form) :]) == form:
                words = words[: -len(form)]
                changed = True
                break
        for form in prefixes:
            if len(words) > len(form) and tuple(words[: len(form)]) == form:
                words = words[len(form) :]
                changed = True
                break
    return words


@cache
def branch_markers() -> tuple[str, ...]:
    """Words that end a branch's name (分公司, 分局, 支队 …), longest first."""
    markers = knowledge.load_json("entities", "branches.json")["markers"]
    return tuple(sorted(markers, key=len, reverse=True))


def _strip_cjk_suffix(text: str) -> str:
    _, _, suffixes = _word_lists()
    changed = True
    while changed and not text.endswith(branch_markers()):  # 莆田分公司 keeps its 公司
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) - len(suffix) >= 2:
                text = text[: -len(suffix)]
                changed = True
    return text


def legal_form_removed(folded: str) -> str:
    """A folded name without its legal forms, spaces kept between Latin words."""
    text = _bracketed().sub(" ", folded)
    text = _anywhere().sub(" ", text)
    # a legal form may end the name before a bracketed part: DPS Education Ltd (Tudor Lodge School)
    parts = []
    for segment in re.split(r"[()]", text):
        # a comma ends a run of initials (E.I.M., S.A.): kept as a word until the initials are joined
        spaced = _LATIN_SEPARATORS.sub(" ", segment.replace(",", " , "))
        words = _strip_latin([w for w in _joined_initials(spaced.split()) if w != ","])
        parts.append(" ".join(words))
    return _strip_cjk_suffix(" ".join(p for p in parts if p).strip())


# a branch named after its city or province with or without 市/省 (漳州市分公司, 漳州分公司)
_PLACE_LEVEL_BEFORE_BRANCH = re.compile(r"(?<=[\u4e00-\u9fff]{2})[市省](?=分公司|分局|分行|支行)")


@lru_cache(maxsize=65536)
def organisation_key(name: str) -> str:
    """The normalised key of an organisation's name; equal keys mean one organisation.

    '杭州海康威视數字技術股份有限公司' and '杭州海康威视数字技术有限公司（集团）' give one key;
    'Hikvision Co., Ltd.' and 'HIKVISION' another. An empty or punctuation-only name gives ''.
    """
    folded = folded_name(name)
    key = _NOT_WORD.sub("", legal_form_removed(folded))
    key = _PLACE_LEVEL_BEFORE_BRANCH.sub("", key)
    return key or _NOT_WORD.sub("", folded)
