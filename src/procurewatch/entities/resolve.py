"""Names → organisations: which spellings are one organisation, and by which rule.

The rules, in the order they join names (conservative: a wrong merge puts one organisation's
contracts on another, so every rule needs more than similar-looking text):

- `same-key`: names with one key (entities/keys.py) are one organisation.
- `vendor-alias`: a name whose key is the key of a vendor's name or alias in data/vendors.json (its
  subsidiaries and brands) is that vendor's organisation (id `v-<vendor id>`).
- `place-prefix`: a company's key that is another company's key behind a place name of the gazetteer
  (杭州海康威视数字技术 / 海康威视数字技术) joins it, when that shorter key keeps at least
  PLACE_PREFIX_REST_MIN characters after any place it starts with itself (广丰区丰泰工程管理), and
  only one place-prefixed key extends it.
- `lost-character`: a key with a '?' where a bad decoding lost a character (COMISI?N) is the one key
  of the same length that has any character there, when exactly one such key exists.
- `fuzzy-same-procurement`: two supplier (or two buyer) names of one procurement whose keys have at
  least FUZZY_MIN_LENGTH characters, start with the same two, differ in no digit or numeral, and are
  one edit apart or have a rapidfuzz ratio of at least FUZZY_MIN_RATIO (the award and the contract
  spelling one winner twice).
- `manual-merge` / `manual-split`: a person's decisions (entities/decisions.py). A split spelling
  (and its case and width variants: its `literal_key`) gets a key of its own, out of every rule
  above, even `same-key`; merges are applied last.

Branches (entities/branches.py) and a vendor's other companies (a supplier detect/ resolved to a
vendor without being one of its aliases) are *linked* to their parent (`branch`, `vendor-family`),
never merged into it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from procurewatch import knowledge
from procurewatch.entities.branches import parent_name
from procurewatch.entities.keys import folded_name, organisation_key

PLACE_PREFIX_REST_MIN = 5
LOST_CHARACTER_KEPT_MIN = 8  # characters a damaged key must keep to be matched
FUZZY_MIN_LENGTH = 8
FUZZY_MIN_RATIO = 92.0
FUZZY_GROUP_MAX = 30  # names of one role in one procurement compared pairwise
_NUMERALS = re.compile(r"[0-9零一二三四五六七八九十百千两〇]")
_NOT_WORD = re.compile(r"[^\w?]+|_+|(?<!\w)\?+|\?+(?!\w)")

RULES = (
    "same-key",
    "vendor-alias",
    "place-prefix",
    "lost-character",
    "fuzzy-same-procurement",
    "manual-merge",
    "manual-split",
)


@dataclass(slots=True)
class NameSeen:
    """A distinct name as the store holds it, with how often and in which roles it is written."""

    name: str
    mentions: int = 0
    roles: set[str] = field(default_factory=set)
    vendor: str | None = None  # detect/'s vendor id for this name, when it resolved to one


@dataclass(frozen=True, slots=True)
class Decision:
    """A person's correction: merge the organisations of two names, or split one name's key out."""

    action: str  # merge | split
    key_a: str
    key_b: str = ""


@dataclass(slots=True)
class Organisation:
    id: str
    name: str
    key: str
    vendor: str | None = None
    parent_id: str | None = None
    parent_rule: str | None = None
    mentions: int = 0


@dataclass(slots=True)
class Resolution:
    organisations: dict[str, Organisation]
    names: dict[str, tuple[str, str, str]]  # name → (organisation id, key, rule)


class _Clusters:
    """Union-find over keys (and `vendor:<id>` anchors), remembering the rule that joined each key."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.rule: dict[str, str] = {}

    def add(self, node: str) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, anchor: str, joining: str, rule: str) -> None:
        self.add(anchor)
        self.add(joining)
        a, b = self.find(anchor), self.find(joining)
        if a == b:
            return
        # a vendor anchor stays the root, so the cluster's id is the vendor's
        if b.startswith("vendor:") and not a.startswith("vendor:"):
            a, b = b, a
        self.parent[b] = a
        self.rule.setdefault(joining, rule)


@cache
def vendor_alias_keys() -> dict[str, str]:
    """Key of every vendor name and alias → vendor id (an alias shared by two vendors is left out)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for vid, vendor in knowledge.vendors().items():
        for alias in [vendor["name"], *vendor.get("aliases", [])]:
            key = organisation_key(alias)
            if len(key) >= 2:
                seen[key].add(vid)
    return {key: next(iter(ids)) for key, ids in seen.items() if len(ids) == 1}


@cache
def place_names() -> frozenset[str]:
    """Chinese place names (full and short forms not on the stoplist), folded."""
    stop = set(knowledge.read_text("gazetteer", "short_stoplist.txt").split())
    names: set[str] = set()
    for line in knowledge.read_text("gazetteer", "cn_admin.tsv").splitlines():
        if line.startswith(("#", "code\t")):
            continue
        _, name, _, short, *_ = line.split("\t")
        names.add(name)
        if len(short) >= 2 and short not in stop:
            names.add(short)
    return frozenset(organisation_key(n) for n in names if len(n) >= 2)


SPLIT_MARK = "="  # a split spelling's key: its organisation key, SPLIT_MARK, its literal key


def literal_key(name: str) -> str:
    """The name folded (case, width, script) with spaces and punctuation removed, legal forms kept."""
    return _NOT_WORD.sub("", folded_name(name))


def is_company(name: str) -> bool:
    """Whether the name carries a legal form (有限公司, Ltd …): what keys drop tells a company."""
    return organisation_key(name) != literal_key(name) or name.endswith("公司")


def _place_prefix_joins(company_keys: set[str]) -> list[tuple[str, str]]:
    """(shorter key, place-prefixed key) pairs of the `place-prefix` rule."""
    places = place_names()
    longest = max(map(len, places), default=0)
    extended: dict[str, list[str]] = defaultdict(list)
    for key in company_keys:
        for cut in range(2, min(longest, len(key) - PLACE_PREFIX_REST_MIN) + 1):
            rest = key[cut:]
            if key[:cut] in places and rest in company_keys and _distinct_after_places(rest, places):
                extended[rest].append(key)
    return [(rest, keys[0]) for rest, keys in extended.items() if len(set(keys)) == 1]


def _distinct_after_places(key: str, places: frozenset[str]) -> bool:
    """Whether the key keeps PLACE_PREFIX_REST_MIN characters after any place it starts with."""
    longest = max((cut for cut in range(2, min(len(key), 8)) if key[:cut] in places), default=0)
    return len(key) - longest >= PLACE_PREFIX_REST_MIN


def _lost_character_joins(keys: set[str]) -> list[tuple[str, str]]:
    """(key with '?', the one whole key it can be) pairs of the `lost-character` rule."""
    damaged = [k for k in keys if "?" in k and len(k) - k.count("?") >= LOST_CHARACTER_KEPT_MIN]
    if not damaged:
        return []
    by_length: dict[int, list[str]] = defaultdict(list)
    for key in keys:
        if "?" not in key:
            by_length[len(key)].append(key)
    out = []
    for key in damaged:
        pattern = re.compile(".".join(re.escape(part) for part in key.split("?")))
        fits = [k for k in by_length.get(len(key), ()) if pattern.fullmatch(k)]
        if len(fits) == 1:
            out.append((key, fits[0]))
    return out


def _fuzzy_pairs(groups: Iterable[list[str]], key_of: dict[str, str]) -> Iterable[tuple[str, str]]:
    for group in groups:
        keys = sorted({key_of[n] for n in group if n in key_of})[:FUZZY_GROUP_MAX]
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                if _fuzzy_match(a, b):
                    yield a, b


def _fuzzy_match(a: str, b: str) -> bool:
    if min(len(a), len(b)) < FUZZY_MIN_LENGTH or a[:2] != b[:2]:
        return False
    if _NUMERALS.search("".join(set(a) ^ set(b))):
        return False
    return Levenshtein.distance(a, b) <= 1 or fuzz.ratio(a, b) >= FUZZY_MIN_RATIO


def _organisation_id(root: str, keys: list[str]) -> str:
    if root.startswith("vendor:"):
        return "v-" + root.removeprefix("vendor:")
    digest = hashlib.blake2b(min(keys).encode("utf-8"), digest_size=8).hexdigest()
    return "o-" + digest


def resolve(
    seen: Iterable[NameSeen],
    procurement_groups: Iterable[list[str]] = (),
    decisions: Iterable[Decision] = (),
) -> Resolution:
    """Cluster the names into organisations by the rules above; `procurement_groups` are the supplier
    names (or the buyer names) of one procurement, for `fuzzy-same-procurement`."""
    names = {s.name: s for s in seen if s.name.strip()}
    for s in list(names.values()):  # a branch's parent is an organisation even when never written alone
        parent = parent_name(s.name)
        if parent and parent not in names:
            names[parent] = NameSeen(parent)
    decisions = list(decisions)
    split_literals = {d.key_a.removeprefix(SPLIT_MARK) for d in decisions if d.action == "split"}
    key_of = {}
    for name in names:
        literal = literal_key(name)
        key_of[name] = organisation_key(name) + SPLIT_MARK + literal if literal in split_literals else ""
        key_of[name] = key_of[name] or organisation_key(name)
    split = {k for k in key_of.values() if SPLIT_MARK in k}

    clusters = _Clusters()
    for key in key_of.values():
        clusters.add(key)
    for vid in knowledge.vendors():
        clusters.add("vendor:" + vid)
    aliases = vendor_alias_keys()
    for key in set(key_of.values()) - split:
        if key in aliases:
            clusters.union("vendor:" + aliases[key], key, "vendor-alias")
    companies = {key_of[n] for n in names if is_company(n)} - split
    for rest, longer in _place_prefix_joins(companies):
        clusters.union(rest, longer, "place-prefix")
    for damaged, whole in _lost_character_joins(set(key_of.values()) - split):
        clusters.union(whole, damaged, "lost-character")
    for a, b in _fuzzy_pairs(procurement_groups, key_of):
        if a not in split and b not in split:
            clusters.union(a, b, "fuzzy-same-procurement")
    for key in split:
        clusters.rule[key] = "manual-split"
    for d in decisions:
        if d.action == "merge" and d.key_a in clusters.parent and d.key_b in clusters.parent:
            clusters.union(d.key_a, d.key_b, "manual-merge")
            clusters.rule[d.key_b] = "manual-merge"

    return _organisations(names, key_of, clusters)


def _organisations(names: dict[str, NameSeen], key_of: dict[str, str], clusters: _Clusters) -> Resolution:
    members: dict[str, list[str]] = defaultdict(list)
    for name, key in key_of.items():
        members[clusters.find(key)].append(name)
    orgs: dict[str, Organisation] = {}
    org_of_root: dict[str, str] = {}
    resolved: dict[str, tuple[str, str, str]] = {}
    for root, group in members.items():
        keys = sorted({key_of[n] for n in group})
        oid = _organisation_id(root, keys)
        vendor = root.removeprefix("vendor:") if root.startswith("vendor:") else None
        spelled = Counter({n: names[n].mentions for n in group})
        shown = knowledge.vendors()[vendor]["name"] if vendor else _most_written(spelled)
        orgs[oid] = Organisation(oid, shown, min(keys), vendor, mentions=sum(spelled.values()))
        org_of_root[root] = oid
        for name in group:
            resolved[name] = (oid, key_of[name], clusters.rule.get(key_of[name], "same-key"))
    for name, s in names.items():
        org = orgs[resolved[name][0]]
        if org.parent_id:
            continue
        parent = parent_name(name)
        if parent and (pid := resolved[parent][0]) != org.id:
            org.parent_id, org.parent_rule = pid, "branch"
        elif s.vendor and not org.vendor and ("v-" + s.vendor) != org.id:
            org.parent_id, org.parent_rule = "v-" + s.vendor, "vendor-family"
    for vid, vendor in knowledge.vendors().items():  # every vendor is an anchor, written or not
        orgs.setdefault("v-" + vid, Organisation("v-" + vid, vendor["name"], vid, vid))
    return Resolution(orgs, resolved)


def _most_written(spelled: Counter[str]) -> str:
    return min(spelled, key=lambda n: (-spelled[n], len(n), n))
