"""detect(notice) → Detection: categories with evidence and role, vendors mentioned, supplier vendors.

What is bought decides how a term weighs. The title (or, without one, the body's object parts such
as 采购内容 / 招标范围) names the purchase: its domain (operating theatre, classroom, office ...) rules
out the terms that domain explains, and a service named there (supervision, design, audit ...) means
the body describes the works being serviced, so only the title's own terms count. In the body, a term
in the object part weighs as in the title, a term in bidder or procedure boilerplate does not count,
and a term that is one item of a long enumeration weighs less and makes the finding a component.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from functools import cache

from procurewatch.detect.codes import item_codes
from procurewatch.detect.folding import Normalised, fold_each
from procurewatch.detect.lexicon import Lexicon, lexicon
from procurewatch.detect.matching import Match, Scan, claim_starts, scan
from procurewatch.detect.scoring import CategorySignals, combine
from procurewatch.detect.texts import NoticeTexts, answer_claims, notice_texts, texts_of
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
PRIMARY, COMPONENT = "primary", "component"


def detect(notice: Notice, texts: NoticeTexts | None = None) -> Detection:
    """`texts`: the notice's `detection_texts`, when the caller made them (for many notices at once)."""
    lex = lexicon()
    cfg = lex.scoring
    if texts is None:
        texts = notice_texts(notice, title=_without_buyer(notice))
    title_text = texts.originals[0]
    supplier_vendors = [resolve_vendor(party.name, lex) for party in notice.suppliers]
    claims = claim_starts(texts.joined, lex) if texts.may_claim(lex) else []
    if not claims and not any(supplier_vendors) and not (notice.items and item_codes(notice.items, lex)):
        # no term that claims a hit in any text, no code, no supplier vendor: nothing to weigh (most
        # notices; the scans below would find nothing)
        return _nothing_found(cfg, supplier_vendors)
    strength_w = cfg["strength"]
    field_w = cfg["field"]
    has_title = bool((notice.title or "").strip())
    norms = texts.fields()
    claimed = _fields_claimed(claims, norms)
    title = scan(title_text, lex, whole_object=True, norm=norms["title"])
    if title.matches and lex.body_named:
        named = _domains_named_in_body(norms["body"].text, lex)
        if named:  # the body says what the title's word is (红外监控设备 bought as 红外相机: camera traps)
            title = scan(title_text, lex, whole_object=True, object_domains=named, norm=norms["title"])
    scans: dict[str, Scan] = {"title": title}
    # A domain named in the title governs the body when the title is about it (森林防火视频监控: the
    # domain ruled out the title's own term) or when the title is not a larger works project; in a
    # works title (河道整治工程) it names the site, and the body's cameras are a component of the works.
    title_broad = bool(title.object_markers & {"broad", "works"})
    title_domains = frozenset(
        d
        for d in title.domains
        if not title_broad or d in lex.works_domains or f"domain_{d}" in title.suppressing_rules
    )
    # Without a title the body's object parts say what is bought. With one, they often list several
    # things (录播系统、跑道监控、广播), so a domain word there only rules out the terms near it.
    for name in TEXT_FIELDS[1:]:
        scans[name] = scan(
            getattr(notice, name) or "",
            lex,
            own_object=not has_title,
            object_domains=title_domains,
            norm=norms[name],
            claimed=name in claimed,
        )
    if not notice.items and not any(supplier_vendors) and not any(r.matches for r in scans.values()):
        return _nothing_found(cfg, supplier_vendors)  # no hit stood

    signals: dict[str, CategorySignals] = defaultdict(CategorySignals)
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    placements: dict[str, set[str]] = defaultdict(set)
    mentions: dict[str, list[Evidence]] = defaultdict(list)
    support: list[tuple[str, str, float, Evidence | None, str]] = []
    code_keys_seen: set[tuple[str, str]] = set()
    object_markers = (
        scans["title"].object_markers
        if has_title
        else {m for name in TEXT_FIELDS[1:] for m in scans[name].object_markers}
    )
    # a service around works (监理, 设计, 审计 ...) is what is bought; a design-and-build contract is works
    wrapped = any(m.startswith("service:") for m in object_markers) and "works" not in object_markers
    broad = bool(object_markers & {"broad", "works"})
    # in a supplier-qualification scheme a long enumeration is a product-code list, not what is bought
    long_factor = lex.sections["list"]["long_factor"] if "scheme" in object_markers else 1.0

    body_keys = {m.key for f in TEXT_FIELDS[1:] for m in scans[f].matches}
    explained_away = (scans["body"].suppressed | scans["attachments"].suppressed) - body_keys
    # An ambiguous title word (网络应急指挥, 无人机) that lacks its confirming context in the title counts
    # when the body confirms the same word: the title still names what is bought.
    confirmed = [m for m in scans["title"].unconfirmed if m.key in body_keys]
    if confirmed:
        scans["title"].matches.extend(confirmed)
    # The title names what is bought: a false friend it establishes (品牌舆情监测, 考生人像比对)
    # governs the same rule's terms in the body, even where the body's own context is too far away.
    title_rules = scans["title"].suppressing_rules
    promote = set(cfg.get("promote_in_short_text", ()))
    list_cfg = lex.sections["list"]
    for field, result in scans.items():
        text = getattr(notice, field) or ""
        for m in result.matches:
            if field == "title" and m.key in explained_away:
                continue  # the body shows what the title's word means here (e.g. a physical fence)
            if field != "title" and title_rules and _ruled_out_by_title(m.key, title_rules, lex):
                continue
            ev = Evidence(field, m.start, m.end, text[m.start : m.end])
            role = m.role
            counts = m.zone != "boilerplate" and not (wrapped and field != "title")
            placement = _placement(field, m)
            weight_here = _place_weight(field, m, field_w, list_cfg, long_factor)
            if role.kind == "vendor" and role.vendor:
                mentions[role.vendor].append(ev)
                if not counts:
                    continue
                vendor = lex.vendors[role.vendor]
                weight = vendor["weight"] * cfg["vendor_mention_factor"] * weight_here
                for category in vendor["categories"]:
                    signals[category].add(f"vendor:{role.vendor}", weight, weak=False)
                    evidence[category].append(ev)
                    placements[category].add(placement)
                continue
            if not role.category or not role.strength or not counts:
                continue
            if role.kind == "code":
                code_keys_seen.add((role.category, m.key))
            strength = role.strength
            short = field == "title" or m.zone == "object" or result.length < cfg.get("short_text_chars", 0)
            if strength == "weak" and short and m.key in promote:
                strength = "medium"
            weight = strength_w[strength] * weight_here
            if strength == "support":
                support.append((role.category, m.key, weight, ev, placement))
                continue
            signals[role.category].add(m.key, weight, weak=strength == "weak")
            evidence[role.category].append(ev)
            placements[role.category].add(placement)

    for found in item_codes(notice.items, lex):
        ev = _find_code(notice, found.code)
        if (found.category, found.code) in code_keys_seen:
            continue
        weight = strength_w[found.strength] * field_w["items"]
        if found.strength == "support":
            support.append((found.category, found.code, weight, ev, "object"))
            continue
        signals[found.category].add(found.code, weight, weak=found.strength == "weak")
        placements[found.category].add("object")
        if ev is not None:
            evidence[found.category].append(ev)

    for party, vendor_id in zip(notice.suppliers, supplier_vendors, strict=True):
        if vendor_id is None:
            continue
        vendor = lex.vendors[vendor_id]
        weight = vendor["weight"] * cfg["supplier_factor"]
        ev = _find_text(notice, party.name)
        for category in vendor["categories"][:1]:
            signals[category].add(f"vendor:{vendor_id}", weight, weak=False)
            placements[category].add("plain")
            if ev is not None:
                evidence[category].append(ev)

    if any(signals.values()):
        for category, key, weight, ev, placement in support:
            signals[category].add(key, weight, weak=False)
            placements[category].add(placement)
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
            categories.append(
                CategoryFinding(
                    category,
                    round(cat_score, 4),
                    _dedupe(evidence[category]),
                    _role(placements[category], broad),
                )
            )
    notice_role = None
    if categories:
        notice_role = PRIMARY if any(c.role == PRIMARY for c in categories) else COMPONENT
    vendors_mentioned = [VendorMention(v, _dedupe(evs)) for v, evs in mentions.items()]
    return Detection(
        Surveillance(relevant=relevant, score=round(score, 4), categories=categories, role=notice_role),
        vendors_mentioned,
        supplier_vendors,
    )


def _nothing_found(cfg: dict, supplier_vendors: list[str | None]) -> Detection:
    """What the full weighing gives for a notice without any hit, code or supplier vendor."""
    relevant, score = _empty_score(cfg["threshold"])
    return Detection(Surveillance(relevant, score, [], None), [], supplier_vendors)


@cache
def _empty_score(threshold: float) -> tuple[bool, float]:
    score = combine(())
    return score >= threshold, round(score, 4)


def _fields_claimed(starts: list[int], norms: dict[str, Normalised]) -> set[str]:
    """The fields whose text holds a claiming key, from where such keys start in the joined texts."""
    ends = []
    end = -1
    for name in TEXT_FIELDS:
        end += 1 + len(norms[name].text)
        ends.append(end)  # where the field's FIELD_BREAK (or the joined text's end) stands
    return {TEXT_FIELDS[bisect_left(ends, start)] for start in starts}


def _domains_named_in_body(body: str, lex: Lexicon) -> frozenset[str]:
    """Domains whose words are in `body` (normalised; whitespace at its ends changes no word's presence)."""
    return frozenset(d for d, words in lex.body_named if any(w in body for w in words))


def detection_texts(notices: Sequence[Notice]) -> list[NoticeTexts]:
    """The texts detect() reads of each notice (the title with the buyer's name blanked), normalised,
    folded for all the notices in one go (folding.fold_each: a third of the cost of a call a notice),
    and whether each may hold a claiming key answered in one go too (texts.answer_claims)."""
    texts = [texts_of(notice, _without_buyer(notice)) for notice in notices]
    folded = fold_each([text for group in texts for text in group])
    k = len(TEXT_FIELDS)
    made = [NoticeTexts(group, folded[i * k : (i + 1) * k]) for i, group in enumerate(texts)]
    answer_claims(made, lexicon())
    return made


def _without_buyer(notice: Notice) -> str:
    """The title with the buyer's name blanked (same length, so offsets hold): the object phrase is what
    the buyer buys, and words of its name (生态环境局, 设计院, 视频监控中心) say nothing about that."""
    title = notice.title or ""
    buyer = (notice.buyer.name if notice.buyer else "") or ""
    if len(buyer) < 4 or buyer not in title or len(buyer) > len(title.strip()) - 4:
        return title  # too short to be sure, absent, or (a misread buyer) most of the title
    return title.replace(buyer, " " * len(buyer))


def _placement(field: str, m: Match) -> str:
    """title | title_list | object | plain | list: where a hit sits, for the finding's role."""
    if field == "title":
        return "title_list" if m.list_items else "title"
    if m.list_items:
        return "list"
    return "object" if m.zone == "object" else "plain"


def _place_weight(
    field: str, m: Match, field_w: dict[str, float], list_cfg: dict, long_factor: float
) -> float:
    # the body's object part says what is bought as plainly as a title does
    weight = 1.0 if m.zone == "object" else field_w[field]
    if m.list_items >= list_cfg["long_items"]:
        weight *= long_factor
    elif m.list_items:
        weight *= list_cfg["factor"]
    return weight


def _role(placements: set[str], broad: bool) -> str:
    """primary when the title names the surveillance on its own, or when the notice's object is not a
    larger works or ICT project and evidence stands in its title or outside enumerations; component
    otherwise (交安设施、监控、声屏障等附属工程; a 监控 item in a renovation's scope)."""
    if "title" in placements:
        return PRIMARY
    if not broad and placements & {"title_list", "object", "plain"}:
        return PRIMARY
    return COMPONENT


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
