"""All detection knowledge, loaded once from package data into one Aho-Corasick automaton.

Every string the detector looks for — category keywords in every language, vendor aliases,
not-surveillance phrases, context words of the false-friend rules, classification codes — is
a key of the same automaton, so each text is scanned once. A key can play several roles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick_rs

from procurewatch.detect.folding import normalise_term

STRENGTHS = ("strong", "medium", "weak", "support")


@dataclass(slots=True, frozen=True)
class Role:
    """What finding a key means. kind: keyword | vendor | blocker | context | code."""

    kind: str  # keyword | vendor | blocker | context | code | marker
    category: str | None = None
    strength: str | None = None
    vendor: str | None = None
    code: str | None = None
    prefix: bool = False  # a stem: no word boundary needed on the right
    marker: str | None = None  # kind marker: "section:object", "service:design", "works", "broad" ...


@dataclass(slots=True)
class Rule:
    """A false-friend (suppress) or ambiguous-alias (require) rule, with its context keys."""

    id: str
    action: str  # suppress | require
    window: int
    context: frozenset[str]
    unless: frozenset[str] = frozenset()
    side: str = "both"  # both | after | before
    clause: bool = False  # context must be in the same clause (no punctuation in between)
    about: str = ""
    domain: str = ""  # a domain rule (domains.json) also fires when its domain is in the purchase's object


@dataclass(slots=True)
class Lexicon:
    roles: dict[str, tuple[Role, ...]]
    rules_for: dict[str, tuple[Rule, ...]]  # target key → rules
    rules: list[Rule]
    categories: dict[str, str]
    scoring: dict[str, Any]
    codes: dict[str, dict[str, dict[str, Any]]]  # scheme → 8-digit code → entry
    vendors: dict[str, dict[str, Any]]
    context_keys: frozenset[str] = field(default_factory=frozenset)
    # per key: (is context, left boundary needed, right boundary needed, claiming roles, marker values,
    # object only: the key only marks what the purchase is, so only the text naming it needs the key)
    info: dict[str, tuple[bool, bool, bool, tuple[Role, ...], tuple[str, ...], bool]] = field(
        default_factory=dict
    )
    sections: dict[str, Any] = field(default_factory=dict)  # sections.json: zone lengths, list settings
    domain_of: dict[str, frozenset[str]] = field(default_factory=dict)  # domain word key → domain ids
    works_domains: frozenset[str] = frozenset()  # domains that govern the body even under a works title
    # domains whose words anywhere in the body say what a title's ambiguous word means (红外相机)
    body_named: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The scans' automaton (ahocorasick_rs: several times faster per character than pyahocorasick,
    # whose transitions search a node's children one by one) over `keys`, and `info` per key index
    # with the key in front. claims_matcher has only the keys that claim a hit (keywords, vendors,
    # blockers, codes): a text none of them is in yields nothing unless it names the purchase;
    # unspaced_claims_matcher the same keys with their spaces removed (matching.may_claim).
    keys: tuple[str, ...] = ()
    matcher: Any = None
    claims_matcher: Any = None
    unspaced_claims_matcher: Any = None
    key_info: tuple[tuple[str, bool, bool, bool, tuple[Role, ...], tuple[str, ...], bool], ...] = ()


def _data(*parts: str) -> Any:
    path = _data_dir()
    for part in parts:
        path = path / part
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"detection data file {'/'.join(parts)} is unreadable: {exc}") from exc


def is_word(char: str) -> bool:
    """Letters and digits of alphabetic scripts (CJK ideographs are not word characters here)."""
    return char.isalnum() and not ("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff")


def _data_dir() -> Any:
    return resources.files("procurewatch") / "data"


def _key(term: str) -> tuple[str, bool]:
    prefix = term.endswith("*")
    return normalise_term(term.rstrip("*")), prefix


class _Builder:
    def __init__(self) -> None:
        self.roles: dict[str, list[Role]] = {}

    def add(self, term: str, role_kwargs: dict[str, Any]) -> str:
        key, prefix = _key(term)
        if not key:
            raise ValueError(f"empty detection term {term!r}")
        role = Role(prefix=prefix, **role_kwargs)
        existing = self.roles.setdefault(key, [])
        if role.kind == "keyword":
            for i, other in enumerate(existing):
                if other.kind != "keyword" or other.category != role.category:
                    continue
                if STRENGTHS.index(role.strength or "weak") < STRENGTHS.index(other.strength or "weak"):
                    existing[i] = role
                return key
        if role not in existing:
            existing.append(role)
        return key


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    b = _Builder()
    categories = _data("taxonomy", "categories.json")
    terms_dir = _data_dir() / "taxonomy" / "terms"
    for entry in sorted(terms_dir.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".json"):
            continue
        for category, by_strength in _data("taxonomy", "terms", entry.name).items():
            if category not in categories:
                raise ValueError(f"terms/{entry.name}: unknown category {category!r}")
            for strength, terms in by_strength.items():
                if strength not in STRENGTHS:
                    raise ValueError(f"terms/{entry.name}: unknown strength {strength!r}")
                for term in terms:
                    b.add(term, {"kind": "keyword", "category": category, "strength": strength})

    for lang, phrases in _data("taxonomy", "not_surveillance.json").items():
        if lang.startswith("_"):
            continue
        for phrase in phrases:
            b.add(phrase, {"kind": "blocker"})

    rules: list[Rule] = []
    rules_for: dict[str, list[Rule]] = {}
    keyword_keys = [(k, r) for k, rs in b.roles.items() for r in rs if r.kind == "keyword"]
    for spec in _data("taxonomy", "context_rules.json"):
        rule = Rule(
            id=spec["id"],
            action=spec.get("action", "suppress"),
            window=int(spec.get("window", 20)),
            context=frozenset(b.add(t, {"kind": "context"}) for t in spec["context"]),
            unless=frozenset(b.add(t, {"kind": "context"}) for t in spec.get("unless", [])),
            side=spec.get("side", "both"),
            clause=bool(spec.get("clause", False)),
            about=spec.get("about", ""),
        )
        rules.append(rule)
        targets = {_key(t)[0] for t in spec.get("targets", [])}
        strengths = set(spec.get("strengths", STRENGTHS))
        for needle in spec.get("targets_containing", []):
            n = normalise_term(needle)
            targets |= {k for k, r in keyword_keys if n in k and r.strength in strengths}
        for target in targets:
            if target not in b.roles:
                raise ValueError(f"context rule {rule.id}: target {target!r} is not a known term")
            rules_for.setdefault(target, []).append(rule)

    sections = _data("taxonomy", "sections.json")
    for kind in ("object", "boilerplate", "stop"):
        for heading in sections[kind]:
            b.add(heading, {"kind": "marker", "marker": f"section:{kind}"})
    services = _data("taxonomy", "services.json")
    for service, words in services["wrap"].items():
        for word in words:
            b.add(word, {"kind": "marker", "marker": f"service:{service}"})
    for kind in ("works", "not_service", "broad", "scheme"):
        for word in services[kind]:
            b.add(word, {"kind": "marker", "marker": kind})

    domain_of: dict[str, set[str]] = {}
    works_domains: set[str] = set()
    body_named: list[tuple[str, tuple[str, ...]]] = []
    for spec in _data("taxonomy", "domains.json")["domains"]:
        words = frozenset(b.add(t, {"kind": "context"}) for t in spec["words"])
        for key in words:
            domain_of.setdefault(key, set()).add(spec["id"])
        if spec.get("in_works_titles"):
            works_domains.add(spec["id"])
        if spec.get("named_in_body"):
            body_named.append((spec["id"], tuple(sorted(words))))
        rule = Rule(
            id=f"domain_{spec['id']}",
            action="suppress",
            window=int(spec.get("window", 20)),
            context=words,
            unless=frozenset(b.add(t, {"kind": "context"}) for t in spec.get("unless", [])),
            clause=bool(spec.get("clause", False)),
            about=spec.get("about", ""),
            domain=spec["id"],
        )
        rules.append(rule)
        wanted = set(spec.get("categories") or categories)
        strengths = set(spec.get("strengths", STRENGTHS))
        targets = {_key(t)[0] for t in spec.get("targets", [])}
        for needle in spec.get("targets_containing", []):
            n = normalise_term(needle)
            targets |= {
                k for k, r in keyword_keys if n in k and r.strength in strengths and r.category in wanted
            }
        keep = [normalise_term(t) for t in spec.get("targets_excluding", [])]
        targets = {t for t in targets if not any(k in t for k in keep)}
        for target in targets:
            if target not in b.roles:
                raise ValueError(f"domain {spec['id']}: target {target!r} is not a known term")
            rules_for.setdefault(target, []).append(rule)

    vendor_data = _data("vendors.json")["vendors"]
    vendors = {}
    for vendor in vendor_data:
        vendors[vendor["id"]] = vendor
        for alias in vendor["aliases"]:
            b.add(alias, {"kind": "vendor", "vendor": vendor["id"]})
        for amb in vendor.get("ambiguous", []):
            key = b.add(amb["alias"], {"kind": "vendor", "vendor": vendor["id"]})
            rule = Rule(
                id=f"vendor_{vendor['id']}_{key}",
                action="require",
                window=int(amb.get("window", 10)),
                context=frozenset(b.add(t, {"kind": "context"}) for t in amb["require"]),
                about=f"{amb['alias']} names {vendor['name']} only near product words",
            )
            rules.append(rule)
            rules_for.setdefault(key, []).append(rule)

    codes_raw = _data("taxonomy", "codes.json")
    codes: dict[str, dict[str, dict[str, Any]]] = {}
    code_context = frozenset(
        b.add(t, {"kind": "context"})
        for t in ("cpv", "dk", "дк", "unspsc", "code", "код", "cod", "classification")
    )
    code_rule = Rule(
        "code_needs_scheme",
        "require",
        16,
        code_context,
        side="before",
        about="a bare number is a code only after a scheme name",
    )
    rules.append(code_rule)
    for scheme, table in codes_raw.items():
        if scheme.startswith("_"):
            continue
        codes[scheme] = table
        for code, entry in table.items():
            if not entry.get("category"):
                continue
            key = b.add(
                code,
                {
                    "kind": "code",
                    "category": entry["category"],
                    "strength": entry["strength"],
                    "code": f"{scheme} {code}",
                },
            )
            if code_rule not in rules_for.get(key, []):
                rules_for.setdefault(key, []).append(code_rule)

    roles = {k: tuple(v) for k, v in b.roles.items()}
    context_keys = frozenset(k for rule in rules for k in (rule.context | rule.unless))
    info = {}
    for key, key_roles in roles.items():
        claiming = tuple(r for r in key_roles if r.kind not in ("context", "marker"))
        markers = tuple(r.marker for r in key_roles if r.kind == "marker" and r.marker)
        right = is_word(key[-1]) and not all(r.prefix for r in key_roles)
        object_only = (
            bool(markers)
            and not claiming
            and key not in context_keys
            and not any(m.startswith("section:") for m in markers)
        )
        info[key] = (key in context_keys, is_word(key[0]), right, claiming, markers, object_only)
    keys = tuple(roles)
    claiming_keys = [k for k in keys if info[k][3]]
    return Lexicon(
        keys=keys,
        matcher=_matcher(keys),
        claims_matcher=_matcher(claiming_keys, dfa=True),
        unspaced_claims_matcher=_matcher(list(dict.fromkeys(k.replace(" ", "") for k in claiming_keys))),
        key_info=tuple((k, *info[k]) for k in keys),
        info=info,
        roles=roles,
        rules_for={k: tuple(v) for k, v in rules_for.items()},
        rules=rules,
        categories=categories,
        scoring=_data("taxonomy", "scoring.json"),
        codes=codes,
        vendors=vendors,
        context_keys=context_keys,
        sections=sections,
        domain_of={k: frozenset(v) for k, v in domain_of.items()},
        works_domains=frozenset(works_domains),
        body_named=tuple(body_named),
    )


def _matcher(keys: list[str] | tuple[str, ...], dfa: bool = False) -> Any:
    """Overlapping matches of `keys`, as (key index, start, end) in characters. The contiguous NFA:
    nearly the DFA's speed on the few texts scanned in full, at a thirtieth of its memory; the DFA
    for the claims pass every notice's whole text goes through, but for texts holding CJK characters,
    which a batch's one call of the keys without spaces tests first (docs/measurements.md)."""
    implementation = ahocorasick_rs.Implementation.DFA if dfa else ahocorasick_rs.Implementation.ContiguousNFA
    return ahocorasick_rs.AhoCorasick(list(keys), implementation=implementation)
