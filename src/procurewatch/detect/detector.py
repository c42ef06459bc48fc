"""detect(notice) → Detection: categories with evidence, vendors mentioned, supplier vendors."""

from __future__ import annotations

from collections import defaultdict

from procurewatch.detect.codes import item_codes
from procurewatch.detect.lexicon import Lexicon, lexicon
from procurewatch.detect.matching import scan
from procurewatch.detect.scoring import CategorySignals, combine
from procurewatch.detect.vendors import resolve_vendor
from procurewatch.model import (
    TEXT_FIELDS,
    CategoryFinding,
    Detection,
    Evidence,
    Notice,
    Surveillance,
    VendorMention,
)

MAX_EVIDENCE = 20


def detect(notice: Notice) -> Detection:
    lex = lexicon()
    cfg = lex.scoring
    strength_w = cfg["strength"]
    field_w = cfg["field"]
    signals: dict[str, CategorySignals] = defaultdict(CategorySignals)
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    mentions: dict[str, list[Evidence]] = defaultdict(list)
    support: list[tuple[str, str, float, Evidence | None]] = []
    code_keys_seen: set[tuple[str, str]] = set()

    scans = {field: scan(getattr(notice, field) or "", lex) for field in TEXT_FIELDS}
    explained_away = (scans["body"].suppressed | scans["attachments"].suppressed) - {
        m.key for f in ("body", "attachments") for m in scans[f].matches
    }
    # The title names what is bought: a false friend it establishes (品牌舆情监测, 考生人像比对)
    # governs the same rule's terms in the body, even where the body's own context is too far away.
    title_rules = scans["title"].suppressing_rules
    promote = set(cfg.get("promote_in_short_text", ()))
    for field, result in scans.items():
        text = getattr(notice, field) or ""
        short = field == "title" or result.length < cfg.get("short_text_chars", 0)
        for m in result.matches:
            if field == "title" and m.key in explained_away:
                continue  # the body shows what the title's word means here (e.g. a physical fence)
            if field != "title" and title_rules and _ruled_out_by_title(m.key, title_rules, lex):
                continue
            ev = Evidence(field, m.start, m.end, text[m.start : m.end])
            role = m.role
            if role.kind == "vendor" and role.vendor:
                mentions[role.vendor].append(ev)
                vendor = lex.vendors[role.vendor]
                weight = vendor["weight"] * cfg["vendor_mention_factor"] * field_w[field]
                for category in vendor["categories"]:
                    signals[category].add(f"vendor:{role.vendor}", weight, weak=False)
                    evidence[category].append(ev)
                continue
            if not role.category or not role.strength:
                continue
            if role.kind == "code":
                code_keys_seen.add((role.category, m.key))
            strength = role.strength
            if strength == "weak" and short and m.key in promote:
                strength = "medium"
            weight = strength_w[strength] * field_w[field]
            if strength == "support":
                support.append((role.category, m.key, weight, ev))
                continue
            signals[role.category].add(m.key, weight, weak=strength == "weak")
            evidence[role.category].append(ev)

    for found in item_codes(notice.items, lex):
        ev = _find_code(notice, found.code)
        if (found.category, found.code) in code_keys_seen:
            continue
        weight = strength_w[found.strength] * field_w["items"]
        if found.strength == "support":
            support.append((found.category, found.code, weight, ev))
            continue
        signals[found.category].add(found.code, weight, weak=found.strength == "weak")
        if ev is not None:
            evidence[found.category].append(ev)

    supplier_vendors = [resolve_vendor(party.name, lex) for party in notice.suppliers]
    for party, vendor_id in zip(notice.suppliers, supplier_vendors, strict=True):
        if vendor_id is None:
            continue
        vendor = lex.vendors[vendor_id]
        weight = vendor["weight"] * cfg["supplier_factor"]
        ev = _find_text(notice, party.name)
        for category in vendor["categories"][:1]:
            signals[category].add(f"vendor:{vendor_id}", weight, weak=False)
            if ev is not None:
                evidence[category].append(ev)

    if any(signals.values()):
        for category, key, weight, ev in support:
            signals[category].add(key, weight, weak=False)
            if ev is not None:
                evidence[category].append(ev)

    cat_scores = {c: s.score(cfg["weak_cap"]) for c, s in signals.items() if s}
    score = combine(cat_scores.values())
    relevant = score >= cfg["threshold"]
    categories: list[CategoryFinding] = []
    if relevant:
        ranked = sorted(cat_scores.items(), key=lambda kv: -kv[1])
        chosen = [(c, s) for c, s in ranked if s >= cfg["category_threshold"]] or ranked[:1]
        for category, cat_score in chosen:
            categories.append(CategoryFinding(category, round(cat_score, 4), _dedupe(evidence[category])))
    vendors_mentioned = [VendorMention(v, _dedupe(evs)) for v, evs in mentions.items()]
    return Detection(
        Surveillance(relevant=relevant, score=round(score, 4), categories=categories),
        vendors_mentioned,
        supplier_vendors,
    )


def _ruled_out_by_title(key: str, title_rules: set[str], lex: Lexicon) -> bool:
    return any(rule.action == "suppress" and rule.id in title_rules for rule in lex.rules_for.get(key, ()))


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, int, int]] = set()
    out: list[Evidence] = []
    order = {f: i for i, f in enumerate(TEXT_FIELDS)}
    for ev in sorted(items, key=lambda e: (order.get(e.field, 9), e.start)):
        key = (ev.field, ev.start, ev.end)
        if key not in seen:
            seen.add(key)
            out.append(ev)
        if len(out) >= MAX_EVIDENCE:
            break
    return out


def _find_text(notice: Notice, needle: str) -> Evidence | None:
    if not needle:
        return None
    for field in TEXT_FIELDS:
        text = getattr(notice, field) or ""
        pos = text.find(needle)
        if pos >= 0:
            return Evidence(field, pos, pos + len(needle), needle)
    return None


def _find_code(notice: Notice, code: str) -> Evidence | None:
    return _find_text(notice, code)
