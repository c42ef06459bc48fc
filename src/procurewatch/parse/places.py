"""Chinese places from the offline gazetteer (data/gazetteer/cn_admin.tsv), matched longest-first.

Sources are read in order of trust: the source's region when it is a bare name (江西, a
province constraint), provinces and cities written in full in the buyer name and title, the portal the
notice was published on (data/gazetteer/portals.tsv), the buyer's and title's other names, a free-text
region (an address, full names only), then (full names only) the body. Each match
narrows a context (province → prefecture → district); a match that
contradicts the context is ignored, and a name shared by several divisions (鼓楼区) is resolved
only by that context — never guessed.

Short forms (湖北, 宜昌, 瑶海, 泉港) are matched in buyer names, titles and regions only; in
running text they collide with ordinary words (中山路, 长治久安).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

import ahocorasick
import ahocorasick_rs

from procurewatch import knowledge
from procurewatch.model import Place

_FULL, _SHORT_DISTRICT, _GUARDED = 0, 1, 2  # how a gazetteer key names its divisions
_GENERIC, _HIGHER = 1, 2  # what a full name is (bits): a generic district (城区), a higher unit
_WORD_BEFORE = frozenset("省市州盟县区旗年")  # a county short form may follow these directly (2026年婺城…)
_LEVEL_RANK = {"province": 0, "prefecture": 1, "district": 2}
_GENERIC_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,2}区$")  # 城区, 山城区: names that occur inside words
_BARE_REGION = 6  # longest region hint read as a bare place name (内蒙古自治区)
_REGION_SEPARATORS = re.compile(r"[\s>/|\\\-—]+")  # a path (重庆>>江津区), not a list (A、B、C)
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# Words after which a short form that is also an ordinary word (朝阳, 公安) is surely a place: 朝阳分局.
BRANCH_SUFFIXES = (
    "分局",
    "分公司",
    "公安",
    "派出所",
    "电信",
    "移动",
    "联通",
    "铁塔",
    "支行",
    "分行",
    "人民政府",
    "法院",
    "检察院",
)


# what follows a town's or village's name: a county's short form before it names the town (龙泉镇)
_TOWN_SUFFIXES = ("镇", "乡", "村", "街道", "社区")
_NOT_TOWN = ("乡村", "乡镇", "村镇", "镇村")  # the county's countryside (宜都乡镇卫生院), not one town


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    level: str  # province | prefecture | district
    province: str  # code of its province
    prefecture: str | None  # code of its prefecture-level unit (itself for prefectures and municipalities)
    newer: bool  # added after the base vintage: preferred over an older unit of the same name


def _prefecture_code(code: str, level: str, codes: set[str]) -> str | None:
    if code[:2] in MUNICIPALITIES:
        return code[:2] + "0000"
    if level == "province":
        return None
    candidate = code[:4] + "00"
    return candidate if candidate in codes else code  # 仙桃市: directly under its province


@dataclass(frozen=True, slots=True)
class _Names:
    """One set of names: the automaton that reads them (pyahocorasick's iter_long decides what a match
    is), a faster one that only tells where some name occurs, and the characters names are written with."""

    automaton: ahocorasick.Automaton  # name → _Entry
    finder: ahocorasick_rs.AhoCorasick
    letters: frozenset[str]
    runs: re.Pattern[str]  # stretches of text that can hold a name (_runs)
    ends: re.Pattern[str]  # the characters names end with: a text without one holds no name
    read: dict[str, _RunRead]  # what a run gives (_run_names), by the run's text
    judged: dict[tuple[str, bool, str], tuple[_Candidates, ...]]  # a run's names judged in its surroundings


def _names(automaton: ahocorasick.Automaton, names: Iterable[str]) -> _Names:
    names = list(names)
    # the contiguous NFA, not the DFA: a tenth of the DFA's memory in every ingest worker for a few
    # percent of the finder's time (docs/measurements.md)
    finder = ahocorasick_rs.AhoCorasick(names, implementation=ahocorasick_rs.Implementation.ContiguousNFA)
    ends = re.compile(f"[{''.join(sorted(map(re.escape, {name[-1] for name in names})))}]")
    return _Names(automaton, finder, frozenset("".join(names)), _runs(names), ends, {}, {})


@dataclass(slots=True)
class _Gazetteer:
    by_code: dict[str, Division]
    full: _Names  # full names → tuple of Divisions
    any_form: _Names  # full and short names → tuple of Divisions


@cache
def _gazetteer() -> _Gazetteer:
    rows = [
        line.split("\t")
        for line in knowledge.read_text("gazetteer", "cn_admin.tsv").splitlines()
        if line and not line.startswith(("#", "code\t"))
    ]
    codes = {row[0] for row in rows}
    stoplist = {
        word
        for line in knowledge.read_text("gazetteer", "short_stoplist.txt").splitlines()
        if not line.startswith("#")
        for word in line.split()
    }
    by_code: dict[str, Division] = {}
    for code, name, level, _short, source in rows:
        by_code[code] = Division(
            code,
            name,
            level,
            code[:2] + "0000",
            _prefecture_code(code, level, codes),
            source.startswith("added"),
        )
    # a renamed or merged unit's names lead to the current unit (那曲地区 → 那曲市)
    renamed = _renamed()
    for old in renamed:
        current = _current(old, renamed)
        if current in by_code:
            by_code[old] = by_code[current]
    full_names: dict[str, list[Division]] = {}
    short_names: dict[str, list[Division]] = {}
    guarded_names: dict[str, list[Division]] = {}  # short forms that are also ordinary words
    # an old unit's short form that another unit also bears (上饶 of 上饶县 and of 上饶市) names that unit,
    # not
    # the old unit's successor (广信区)
    shared = {short for code, _n, _l, short, _s in rows if short and code not in renamed}
    for code, name, _level, short, _source in rows:
        division = by_code[code]
        _add_once(full_names.setdefault(name, []), division)
        if code in renamed and short in shared and division.name != name:
            continue
        if short and short not in BRANCH_SUFFIXES:
            _add_once((guarded_names if short in stoplist else short_names).setdefault(short, []), division)
    for name, code in _aliases():
        if code in by_code:
            _add_once(full_names.setdefault(name, []), by_code[code])
    full = ahocorasick.Automaton()
    for name, divisions in full_names.items():
        full.add_word(name, _entry(name, tuple(divisions), _FULL))
    full.make_automaton()
    any_form = ahocorasick.Automaton()
    for name in full_names.keys() | short_names.keys() | guarded_names.keys():
        divisions = full_names.get(name, []) + short_names.get(name, [])
        if not divisions:
            form = _GUARDED
        elif name not in full_names and all(d.level == "district" for d in divisions):
            form = _SHORT_DISTRICT
        else:
            form = _FULL
        any_form.add_word(name, _entry(name, tuple(divisions or guarded_names[name]), form))
    any_form.make_automaton()
    return _Gazetteer(
        by_code,
        _names(full, full_names),
        _names(any_form, full_names.keys() | short_names.keys() | guarded_names.keys()),
    )


def _runs(names: list[str]) -> re.Pattern[str]:
    """Runs of the characters names are written with, as long as the shortest name at least. A character
    no name holds sends the automaton back to its root with nothing pending, so searching each run
    apart finds exactly what one search of the whole text finds, without walking the automaton's root
    (a linear scan of every first character) at each character of the text that cannot start a name."""
    letters = "".join(sorted(map(re.escape, set("".join(names)))))
    return re.compile(f"[{letters}]{{{min(map(len, names))},}}")


_Entry = tuple[tuple[Division, ...], int, int, int, "_InsideWord", "_FullName"]


def _entry(name: str, divisions: tuple[Division, ...], form: int) -> _Entry:
    """An automaton's value for `name`: its divisions, its form, its length and what a full name is (bits:
    a generic district name, 城区, read apart inside a word; a province or prefecture written in full),
    decided once here rather than at every match."""
    what = 0
    if form == _FULL and _GENERIC_DISTRICT.match(name):
        what |= _GENERIC
    if form == _FULL and any(d.name == name and d.level != "district" for d in divisions):
        what |= _HIGHER
    # the wrapped candidates made once too: one object per name, so that _narrowed can remember them
    return divisions, form, len(name), what, _InsideWord(divisions), _FullName(divisions)


def _add_once(divisions: list[Division], division: Division) -> None:
    if division not in divisions:
        divisions.append(division)


def _aliases() -> list[tuple[str, str]]:
    """Common names of zones inside one unit (杨凌示范区 → 杨陵区): data/gazetteer/aliases.tsv."""
    rows = knowledge.read_text("gazetteer", "aliases.tsv").splitlines()
    return [
        (cols[0], cols[1])
        for cols in (line.split("\t") for line in rows if line and not line.startswith(("#", "name\t")))
        if len(cols) >= 2
    ]


def _renamed() -> dict[str, str]:
    rows = knowledge.read_text("gazetteer", "renamed.tsv").splitlines()
    return {
        old: current
        for old, current, *_ in (r.split("\t") for r in rows if r and not r.startswith(("#", "old\t")))
    }


def _current(code: str, renamed: dict[str, str]) -> str:
    seen = {code}
    while code in renamed and renamed[code] not in seen:
        code = renamed[code]
        seen.add(code)
    return code


class _InsideWord(tuple):  # type: ignore[type-arg]
    """Candidates of a short county name found inside a longer word (仓山 in 征集仓山园区)."""


class _FullName(tuple):  # type: ignore[type-arg]
    """Candidates of a province or prefecture written in full (江西省, 吉安市), not a short form."""


def _inside_word(before: str) -> bool:
    # one character (or none): a Han character other than a level word glues the name into a word
    return "\u4e00" <= before <= "\u9fff" and before not in _WORD_BEFORE


@lru_cache(maxsize=4096)
def _short_matches(text: str) -> tuple[tuple[Division, ...], ...]:
    """_matches with short forms, kept for the texts that recur (buyer names, regions)."""
    return tuple(_matches(text, True))


_RUN_READ_MAX = 4096  # runs remembered per set of names
_RUN_READ_LONGEST = 32  # a longer run is prose met once: read, not remembered
# characters after a name that judging it may read (a branch suffix, a town's suffix)
_AFTER_READ = max(map(len, (*BRANCH_SUFFIXES, *_TOWN_SUFFIXES, *_NOT_TOWN)))
_Candidates = tuple[Division, ...]


class _Hits(tuple):  # type: ignore[type-arg]
    """What automaton.iter_long finds in a run, (last, entry) with offsets into the run, when judging those
    names reads the characters around the run (_run_names)."""


_RunRead = tuple[_Candidates, ...] | _Hits


def _matches(text: str, short_forms: bool) -> list[_Candidates]:
    """The candidates of each name the automaton reads in each run of name characters (see _runs), read
    only in the runs where the finder sees some name: most runs hold none, and iter_long walks every
    character."""
    if not text:
        return []
    gazetteer = _gazetteer()
    names = gazetteer.any_form if short_forms else gazetteer.full
    if not short_forms and names.ends.search(text) is None:
        # full names end with a few characters (县, 区, 市 …) that most bodies read for a place lack: one
        # scan for them instead of the finder's (short forms end with any character: not worth a scan)
        return []
    try:
        found = names.finder.find_matches_as_indexes(text)
    except UnicodeEncodeError:  # a lone surrogate: the finder reads UTF-8; every run is read instead
        return [
            candidates
            for run in names.runs.finditer(text)
            for candidates in _judged(text, names.automaton.iter_long(text, *run.span()), names.automaton)
        ]
    out: list[_Candidates] = []
    letters, done, length = names.letters, 0, len(text)
    for _name, start, end in found:
        if start < done:
            continue  # inside the run just read
        while start > done and text[start - 1] in letters:
            start -= 1
        while end < length and text[end] in letters:
            end += 1
        out += _run_names(text, start, end, names)
        done = end
    return out


def _run_names(text: str, start: int, end: int, names: _Names) -> Iterable[_Candidates]:
    """The candidates of the names in text[start:end], a run of name characters. The same few runs recur
    in most titles (中国移动江西公司) and iter_long reads each character slowly: what a run gives is
    remembered by its text. iter_long reads nothing outside [start, end), so the run read alone finds the
    same names; judging them reads nothing outside the run but the character before it (a name glued
    into a word) and the few after it (a branch or a town named by the suffix), and only for some names:
    a run whose names read neither gives the same candidates wherever it stands, the others are
    remembered with what surrounds them."""
    if end - start > _RUN_READ_LONGEST:
        return _judged(text, names.automaton.iter_long(text, start, end), names.automaton)
    run = text[start:end]
    read = names.read.get(run)
    if read is None:
        read = _read_run(run, names.automaton)
        if len(names.read) >= _RUN_READ_MAX:
            names.read.clear()
        names.read[run] = read
    if not isinstance(read, _Hits):
        return read
    key = (run, _inside_word(text[start - 1]) if start else False, text[end : end + _AFTER_READ])
    judged = names.judged.get(key)
    if judged is None:
        judged = tuple(_judged(text, [(start + last, entry) for last, entry in read], names.automaton))
        if len(names.judged) >= _RUN_READ_MAX:
            names.judged.clear()
        names.judged[key] = judged
    return judged


def _read_run(run: str, automaton: ahocorasick.Automaton) -> _RunRead:
    """The candidates of a run's names when judging them reads nothing outside the run (every name written
    in full, no generic district name at its start), else what iter_long finds in it."""
    hits = tuple(automaton.iter_long(run))
    if all(
        form == _FULL and not (what & _GENERIC and last < length)
        for last, (_, form, length, what, *_) in hits
    ):
        return tuple(_judged(run, hits, automaton))
    return _Hits(hits)


def _judged(
    text: str, hits: Iterable[tuple[int, _Entry]], automaton: ahocorasick.Automaton
) -> list[_Candidates]:
    """The candidates each name iter_long found in `text` gives (by its last character's offset), as the
    text around it decides (a short form glued into a word, a branch suffix after it)."""
    found: list[_Candidates] = []
    for end, (divisions, form, length, what, inside_word, full_name) in hits:
        if form == _FULL:
            if what & _GENERIC and _inside_word(text[end - length] if end >= length else ""):
                # 山城区 inside 鼎山城区: a short urban-district name glued to other words counts only within
                # a known province
                found.append(inside_word)
            elif what & _HIGHER:
                found.append(full_name)
            else:
                found.append(divisions)
            continue
        branch = text.startswith(BRANCH_SUFFIXES, end + 1)
        if form == _GUARDED and not branch:
            continue
        # 方山 inside 上方山, or 龙泉 of 龙泉镇 (a town, named like counties elsewhere): a county's short
        # form counts only within a known province
        if form == _SHORT_DISTRICT and not branch:
            town = text.startswith(_TOWN_SUFFIXES, end + 1) and not text.startswith(_NOT_TOWN, end + 1)
            if town or _inside_word(text[end - length] if end >= length else ""):
                found.append(inside_word)
                found.extend(_name_overlapping(text, end - length + 1, end, automaton))
                continue
        found.append(divisions)
    return found


def _name_overlapping(
    text: str, start: int, end: int, automaton: ahocorasick.Automaton
) -> list[tuple[Division, ...]]:
    """集宁 inside 征集宁德分公司 took the first character of 宁德: a name that starts inside a short form
    found inside a word and runs past it counts when it is written in full or a branch follows it."""
    for offset in range(start + 1, end + 1):
        for last, (divisions, form, length, *_) in automaton.iter_long(text[offset:]):
            runs_past = last - length + 1 == 0 and offset + last > end
            if runs_past and (form == _FULL or text.startswith(BRANCH_SUFFIXES, offset + last + 1)):
                return [divisions]
            break
    return []


_NARROWED_MAX = 50_000
# the candidates, the context's codes after them, whether they were usable, whether the context changed
_Narrowed = tuple[Any, str | None, str | None, str | None, bool, bool]
_NARROWED: dict[tuple[str | None, str | None, str | None, int], _Narrowed] = {}


@dataclass(slots=True)
class _Context:
    province: str | None = None
    prefecture: str | None = None
    district: str | None = None

    def fitting(self, candidates: tuple[Division, ...]) -> list[Division]:
        """The candidates consistent with the context (its province, prefecture and district)."""
        province, prefecture, district = self.province, self.prefecture, self.district
        if not (province or prefecture or district):
            return list(candidates)
        return [
            d
            for d in candidates
            if not (province and d.province != province)
            and not (prefecture and d.level != "province" and d.prefecture != prefecture)
            and not (district and d.level == "district" and d.code != district)
        ]

    def apply(self, candidates: tuple[Division, ...]) -> bool:
        fitting = self.fitting(candidates)
        if not fitting:
            return False
        newer = [d for d in fitting if d.newer]
        if newer and len({d.prefecture for d in fitting}) == 1:
            fitting = newer
        provinces = {d.province for d in fitting}
        if len(provinces) != 1:
            # a bare name shared across provinces by units of different levels (西安市 / 西安区)
            # means the higher-level unit; same-level namesakes (鼓楼区 ×4) stay unresolved
            top = min(_LEVEL_RANK[d.level] for d in fitting)
            highest = [d for d in fitting if _LEVEL_RANK[d.level] == top]
            if top == _LEVEL_RANK["district"] or len(highest) != 1:
                return False
            fitting = highest
            provinces = {highest[0].province}
        self.province = provinces.pop()
        prefectures = {d.prefecture for d in fitting}
        if len(prefectures) == 1 and None not in prefectures:
            self.prefecture = prefectures.pop()
        else:
            return True
        districts = [d for d in fitting if d.level == "district" and d.code != self.prefecture]
        if len(fitting) == 1 and len(districts) == 1 and not self.district:
            self.district = districts[0].code
        return True


def _address_head(address: str) -> list[tuple[Division, ...]]:
    """湖北宜都化工园: an address that opens with a province names its place by the name right after it,
    full or short; elsewhere in an address a short form may be an ordinary word (白马山, 公安厅)."""
    found: list[tuple[Division, ...]] = []
    next_start = 0
    for end, (divisions, form, length, *_) in _gazetteer().any_form.automaton.iter_long(address):
        if end - length + 1 != next_start or form == _GUARDED:
            break
        found.append(divisions)
        next_start = end + 1
        if len(found) == 2 or not any(d.level == "province" for d in divisions):
            break
    return found if len(found) == 2 and any(d.level == "province" for d in found[0]) else []


def _narrowed(key: tuple[str | None, str | None, str | None, int], candidates: _Candidates) -> _Narrowed:
    """What one name's candidates make of a context (key: the context's codes and the candidates' id):
    the same name met in the same context narrows it the same way, so the outcome is remembered by the
    candidates' identity, which the gazetteer's automata keep for the life of the process."""
    done = _NARROWED.get(key)
    if done is None or done[0] is not candidates:
        province, prefecture, district, _ = key
        after = _Context(province, prefecture, district)
        usable = after.apply(candidates)
        if len(_NARROWED) >= _NARROWED_MAX:
            _NARROWED.clear()
        changed = (after.province, after.prefecture, after.district) != (province, prefecture, district)
        # the candidates are kept with the outcome: their identity cannot pass to another object
        done = _NARROWED[key] = (
            candidates,
            after.province,
            after.prefecture,
            after.district,
            usable,
            changed,
        )
    return done


def _resolve(context: _Context, names: list[tuple[Division, ...]]) -> None:
    pending = names
    progress = True
    while pending and progress:
        progress = False
        waiting: list[_Candidates] = []
        for candidates in pending:
            province = context.province
            if province is None and isinstance(candidates, _InsideWord):
                waiting.append(candidates)
                continue
            done = _NARROWED.get((province, context.prefecture, context.district, id(candidates)))
            if done is None or done[0] is not candidates:
                done = _narrowed((province, context.prefecture, context.district, id(candidates)), candidates)
            if done[5]:  # usable, and the context is narrower than before
                _, context.province, context.prefecture, context.district, _usable, _changed = done
                progress = True
            elif not done[4] and context.fitting(candidates):
                waiting.append(candidates)  # ambiguous for now: a later name may settle it
        pending = waiting


def _body_prefecture(context: _Context, named: list[tuple[Division, ...]]) -> str | None:
    """The prefecture named most often in the body (its full names), consistent with the context."""
    counts: dict[str, int] = {}
    for candidates in named:
        if isinstance(candidates, _InsideWord) and context.province is None:
            continue  # 东区 of 枫林九溪东区: a short district name in a word, no province to place it
        fitting = [d for d in context.fitting(candidates) if d.level != "province"]
        prefectures = {d.prefecture for d in fitting}
        if len(prefectures) == 1 and None not in prefectures:
            code = prefectures.pop()
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[1][1] * 3 > ranked[0][1] * 2:
        return None  # the runner-up is named nearly as often: no clear answer
    return ranked[0][0]


def _body_province(named: list[tuple[Division, ...]]) -> str | None:
    """The province the body names most often in full (项目地点：甘肃省某县城关镇), when no other comes close:
    it places a notice whose buyer and title name only a small place that several provinces share."""
    counts: dict[str, int] = {}
    for candidates in named:
        provinces = {d.province for d in candidates}
        if isinstance(candidates, _FullName) and len(provinces) == 1:
            code = provinces.pop()
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[1][1] * 3 > ranked[0][1] * 2:
        return None
    return ranked[0][0]


@cache
def _portals() -> dict[str, str]:
    rows = knowledge.read_text("gazetteer", "portals.tsv").splitlines()
    return {
        host: code
        for host, code, *_ in (r.split("\t") for r in rows if r and not r.startswith(("#", "host\t")))
    }


def portal_division(url: str | None) -> tuple[Division, ...]:
    """The division a portal serves, from the notice URL's host (ggzy.sc.yichang.gov.cn → 宜昌市)."""
    if not url:
        return ()
    head = _URL_HEAD.match(url)
    # the host is all the answer depends on: remembered by the URL's head, which most notices share
    return _portal_of(head.group() if head else url)


# scheme and plain host (lower-case letters, digits, a port) of a URL: urlsplit reads them as written
_URL_HEAD = re.compile(r"https?://[a-z0-9.:-]*(?=[/?#]|\Z)")


@lru_cache(maxsize=1024)
def _portal_of(url: str) -> tuple[Division, ...]:
    if next(_portal_probe().iter(url), None) is None:
        return ()
    return _host_division(urlsplit(url).hostname or "")


@cache
def _portal_probe() -> ahocorasick.Automaton:
    """Whether a URL holds any portal's host at all: most notices come from elsewhere."""
    automaton = ahocorasick.Automaton()
    for host in _portals():
        automaton.add_word(host, host)
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1024)
def _host_division(host: str) -> tuple[Division, ...]:
    for suffix, code in _portals().items():
        if host == suffix or host.endswith("." + suffix):
            return _division_of(code)
    return ()


@cache
def _division_of(code: str) -> tuple[Division, ...]:
    division = _gazetteer().by_code.get(code)
    return (division,) if division else ()


@lru_cache(maxsize=4096)
def _region_names(region: str) -> tuple[tuple[tuple[Division, ...], ...], tuple[tuple[Division, ...], ...]]:
    """The names a source's region gives: read first when it is bare names (江西, 重庆>>江津区, a
    constraint on everything), last when it is free text (an address, full names only)."""
    parts = [p for p in _REGION_SEPARATORS.split(region) if p]
    if all(len(p) <= _BARE_REGION for p in parts):
        return tuple(m for p in parts for m in _short_matches(p)), ()
    return (), (*_address_head(region), *_matches(region, False))


def find_place(
    buyer: str, title: str, region: str = "", body: str = "", url: str | None = None
) -> Place | None:
    """Province / prefecture-level city / district with the most specific 6-digit code, or None."""
    context = _Context()
    # A bare region ("江西") constrains everything; a free-text region (an address) counts after the title.
    region_first, region_last = _region_names(region)
    # a same-named small place must not outweigh the province or city named elsewhere: provinces and
    # prefectures written in full (江西省, 吉安市) before every other name, each group in text order (a short
    # form, 南阳 of 南阳镇, or a county's name may be a namesake elsewhere); the portal a notice was published
    # on outweighs a short form (太湖 of 苏州太湖度假区 is not 太湖县 of Anhui) but not a name written in full
    buyer_full, buyer_others = _buyer_names(buyer)
    names = [*region_first, *buyer_full]
    others = list(buyer_others)
    for m in _matches(title, True):
        (names if isinstance(m, _FullName) else others).append(m)
    portal = portal_division(url)
    if portal:
        names.append(portal)
    names += others
    names += region_last
    _resolve(context, names)
    if body and context.prefecture is None:
        in_body = _matches(body, short_forms=False)  # the body's full names, read once for both counts
        prefecture = _body_prefecture(context, in_body)
        if prefecture:
            context.prefecture = prefecture
            context.province = prefecture[:2] + "0000"
        elif context.province is None:
            context.province = _body_province(in_body)
    if context.province is None:
        return None
    return Place("CN", *_place_names(context.province, context.prefecture, context.district))


@lru_cache(maxsize=4096)
def _buyer_names(buyer: str) -> tuple[tuple[_Candidates, ...], tuple[_Candidates, ...]]:
    """A buyer's names (_short_matches), the provinces and prefectures written in full apart: a source's
    buyers recur across its notices."""
    named = _short_matches(buyer)
    return (
        tuple(m for m in named if isinstance(m, _FullName)),
        tuple(m for m in named if not isinstance(m, _FullName)),
    )


@lru_cache(maxsize=4096)
def _place_names(
    province_code: str, prefecture_code: str | None, district_code: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """A Place's province, city, district and most specific code, from the context's codes."""
    by_code = _gazetteer().by_code
    province = by_code.get(province_code)
    prefecture = by_code.get(prefecture_code) if prefecture_code else None
    district = by_code.get(district_code) if district_code else None
    most_specific = district or prefecture or province
    return (
        province.name if province else None,
        prefecture.name if prefecture else None,
        district.name if district else None,
        most_specific.code if most_specific else None,
    )
