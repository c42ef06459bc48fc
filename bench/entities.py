"""Entity resolution: pair precision and recall of buyer and supplier names resolved into organisations.

    python bench/entities.py                          # score bench/labels/entities.jsonl
    python bench/entities.py --show 20                # and list up to 20 wrong merges and misses
    python bench/entities.py --build-labels STORE.duckdb [--out bench/labels/entities.jsonl]

The label file holds one name a line: `name`, `entity` (names with one entity are one organisation),
`origin` and, for names from the store, `procurements` (the procurements it is a buyer or supplier
of, for the rule that compares names within one procurement). Origins:
- `real`: every distinct buyer and supplier name of a store ingested from ../shared/data (eval-dev,
  dev2, bulk); names that are one organisation were grouped by hand (the groups --build-labels prints
  were checked one by one; names of one organisation the rules miss are in HAND_MERGES below);
- `variant:<how>`: a spelling made from a real name by a rule a portal or a clerk follows (another
  legal form, full width, Traditional characters, spacing, case, a Latin legal form written another
  way, the city left out): the same organisation;
- `negative:<how>`: a different organisation made from a real name (a branch of it, the same name in
  another city): must stay apart.

Pairs are counted within entities: precision = pairs put together that are one organisation / pairs
put together; recall = pairs of one organisation put together / pairs of one organisation.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from procurewatch import knowledge
from procurewatch.entities.resolve import NameSeen, resolve

LABELS = Path(__file__).resolve().parent / "labels" / "entities.jsonl"
SEED = 17
VARIANT_SHARE = 0.35  # of the real names, how many get constructed variants

# Names of one organisation found by hand in the store that the rules do not join (recall misses
# by design: extraction damage, a dropped word, a person's title).
HAND_MERGES: list[list[str]] = [
    [
        "SPITALUL CLINIC OBSTETRICA GINECOLOGIE CUZA-VODA",
        "Spitalul Clinic de Obstetrică Ginecologie „Cuza Vodă”",
    ],
    [
        "Instituto de Investigaciones y Capacitacion para las Ciencias Biologicas, A.C.",
        "Instituto de Investigacion y Capacitacion para las Ciencias Biologicas, A.C.",
    ],
    ["ENRIQUE ALVARO TAMEZ GONZALEZ", "M. C. Enrique Alvaro Tamez Gonzalez"],
    ["铁塔能源有限公司浙江省分公司", "铁塔能源有限公司告浙江省分公司"],
    ["中国移动通信集团终端有限公司江西分公司", "中国移动通信集团终端有限公司公司江西分公司"],
    ["中国移动浙江公司", "国移动浙江公司"],
    ["Royal School for the Deaf Derby", "The Royal School of the Deaf (Derby)"],
    ["Ing. Carlos Enrique Ortega Mora", "CARLOS ENRIQUE ORTEGA MORA"],
    [
        "Grupo de Ingenieria en Consultoria y Obras S. A. de C. V.",
        "Grupo de Ingenieia en Consultoria en obras, S. A. de C. V.",
    ],
    ["Acciones Grupo Oro, S.A. de C.V.", "ACCIONES GRUPO DE ORO, S.A. DE C.V"],
    ["Oscar Alvares de la  Cuadra Sanchez", "OSCAR ?LVAREZ DE LA CUADRA S?NCHEZ"],
    ["Grant Thornton", "Grant Thornton Uk LLP"],
    ["中国移动宁波分公司", "征询中国移动宁波分公司"],
]

_LEGAL_END = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|公司)$")
_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
_LATIN_FORMS = [
    (r"S\.\s?A\.\s?de\s?C\.\s?V\.?", "SA DE CV"),
    (r"\bLtd\b\.?", "Limited"),
    (r"\bLimited\b", "Ltd."),
    (r"\bSp\. z o\.o\.", "sp. z o. o."),
    (r"\bd\.o\.o\.", "D.O.O."),
    (r"\bS\.A\.", "SA"),
    (r"\bSRL\b", "S.R.L."),
]


# ---------------------------------------------------------------- scoring


def read_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pairs_within(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for members in groups.values() for p in combinations(sorted(set(members)), 2)}


def score(labels: list[dict], show: int = 0) -> dict[str, float]:
    by_procurement: dict[str, list[str]] = defaultdict(list)
    for row in labels:
        for pid in row.get("procurements", []):
            by_procurement[pid].append(row["name"])
    started = time.perf_counter()
    found = resolve([NameSeen(r["name"], 1) for r in labels], list(by_procurement.values()))
    seconds = time.perf_counter() - started
    truth: dict[str, list[str]] = defaultdict(list)
    predicted: dict[str, list[str]] = defaultdict(list)
    for row in labels:
        truth[row["entity"]].append(row["name"])
        predicted[found.names[row["name"]][0]].append(row["name"])
    true_pairs, predicted_pairs = pairs_within(truth), pairs_within(predicted)
    hit = true_pairs & predicted_pairs
    precision = len(hit) / len(predicted_pairs) if predicted_pairs else 1.0
    recall = len(hit) / len(true_pairs) if true_pairs else 1.0
    origin = {r["name"]: r["origin"] for r in labels}
    print(f"names {len(labels):,}  organisations {len(truth):,} labelled, {len(predicted):,} resolved")
    print(f"pairs of one organisation {len(true_pairs):,}; put together {len(predicted_pairs):,}")
    print(f"precision {precision:.4f}   recall {recall:.4f}   ({seconds:.2f} s to resolve)")
    per_origin: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a, b in true_pairs:
        kind = origin[b] if origin[b] != "real" else origin[a]
        per_origin[kind][1] += 1
        per_origin[kind][0] += (a, b) in hit
    print("recall by origin of the pair:")
    for kind, (got, of) in sorted(per_origin.items()):
        print(f"  {kind:28s} {got:5d} / {of:5d}  {got / of:.3f}")
    rules = Counter(found.names[r["name"]][2] for r in labels)
    print("rules that placed the names:", dict(rules.most_common()))
    if show:
        print("wrong merges:")
        for a, b in sorted(predicted_pairs - true_pairs)[:show]:
            print(f"  {a}  |  {b}")
        print("misses:")
        for a, b in sorted(true_pairs - predicted_pairs)[:show]:
            print(f"  {a}  |  {b}")
    return {"precision": precision, "recall": recall}


# ---------------------------------------------------------------- building the label file


def _cjk_variants(name: str, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for old, new in (
        ("股份有限公司", "有限公司"),
        ("有限责任公司", "有限公司"),
        ("有限公司", "股份有限公司"),
    ):
        if name.endswith(old) and not name.endswith("分公司"):
            out.append(("variant:legal-form", name[: -len(old)] + new))
            out.append(("variant:group", name[: -len(old)] + "（集团）" + new))
            break
    out.append(("variant:traditional", _traditional(name)))
    out.append(("variant:brackets-width", name.replace("(", "（").replace(")", "）").translate(_FULL_WIDTH)))
    if len(name) > 4:
        cut = rng.randrange(2, len(name) - 1)
        out.append(("variant:spacing", name[:cut] + " " + name[cut:]))
    place = _place_prefix(name)
    rest = name[len(place) :] if place else ""
    # the city left out only where what remains still names one firm: 5+ characters before the legal form
    if rest and name.endswith("公司") and not name.endswith("分公司") and len(_LEGAL_END.sub("", rest)) >= 5:
        out.append(("variant:place-prefix", rest))
    return out


def _latin_variants(name: str) -> list[tuple[str, str]]:
    out = [("variant:case", name.upper() if name != name.upper() else name.title())]
    for pattern, new in _LATIN_FORMS:
        changed = re.sub(pattern, new, name)
        if changed != name:
            out.append(("variant:latin-legal-form", changed))
            break
    out.append(("variant:spacing", re.sub(r" ", "  ", name, count=1)))
    return out


def _negatives(name: str) -> list[tuple[str, str]]:
    out = []
    if name.endswith(("有限公司", "局")) and not name.endswith("分公司"):
        out.append(("negative:branch", name + ("某某分公司" if name.endswith("公司") else "某某分局")))
    place = _place_prefix(name)
    if place:
        other = "宁波" if not place.startswith("宁波") else "温州"
        out.append(("negative:other-place", other + name[len(place) :].lstrip("市")))
    return out


_TRADITIONAL = None


def _traditional(text: str) -> str:
    global _TRADITIONAL
    if _TRADITIONAL is None:
        import opencc

        _TRADITIONAL = opencc.OpenCC("s2t")
    return _TRADITIONAL.convert(text)


def _places() -> list[str]:
    names = []
    for line in knowledge.read_text("gazetteer", "cn_admin.tsv").splitlines():
        if not line.startswith(("#", "code\t")):
            _, name, level, short, *_ = line.split("\t")
            if level == "prefecture":
                names += [name, short]
    return sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)


def _place_prefix(name: str) -> str | None:
    return next((p for p in _places() if name.startswith(p)), None)


def build_labels(store: Path, out: Path) -> None:
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    rows = con.execute(
        """SELECT p.name, list(DISTINCT l.procurement_id ORDER BY l.procurement_id)
           FROM parties p LEFT JOIN notice_links l ON l.notice_id = p.notice_id
           WHERE p.role IN ('buyer', 'supplier') GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    con.close()
    real = {name: [pid[:10] for pid in pids if pid] for name, pids in rows}
    # names of one organisation: the reviewed groups (resolved, then checked by hand) and HAND_MERGES
    by_procurement: dict[str, list[str]] = defaultdict(list)
    for name, pids in real.items():
        for pid in pids:
            by_procurement[pid].append(name)
    found = resolve([NameSeen(n, 1) for n in real], list(by_procurement.values()))
    entity = {n: found.names[n][0] for n in real}
    for group in HAND_MERGES:
        present = [n for n in group if n in real]
        for n in present[1:]:
            old = entity[n]
            for m, e in entity.items():
                if e == old:
                    entity[m] = entity[present[0]]
    groups = defaultdict(list)
    for n, e in entity.items():
        groups[e].append(n)
    print("groups of real names (check each by hand):", file=sys.stderr)
    for members in groups.values():
        if len(members) > 1:
            print("  " + " | ".join(members), file=sys.stderr)
    rng = random.Random(SEED)
    lines = [
        {"name": n, "entity": entity[n], "origin": "real", "procurements": pids} for n, pids in real.items()
    ]
    taken = set(real)
    for name in sorted(real):
        if rng.random() > VARIANT_SHARE:
            continue
        cjk = re.search(r"[\u4e00-\u9fff]", name) is not None
        made = _cjk_variants(name, rng) if cjk else _latin_variants(name)
        negatives = _negatives(name) if cjk else []
        if any(origin == "variant:place-prefix" for origin, _ in made):
            # a firm of that name in another city too would make leaving the city out ambiguous
            negatives = [n for n in negatives if n[0] != "negative:other-place"]
        for origin, variant in [*made, *negatives]:
            if variant in taken or not variant.strip():
                continue
            taken.add(variant)
            label = entity[name] if origin.startswith("variant") else f"{origin}:{variant}"
            lines.append({"name": variant, "entity": label, "origin": origin})
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    print(f"wrote {len(lines):,} names to {out}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--show", type=int, default=0, help="list this many wrong merges and misses")
    ap.add_argument("--build-labels", type=Path, metavar="STORE", help="write the label file from a store")
    ap.add_argument("--out", type=Path, default=LABELS)
    args = ap.parse_args(argv)
    if args.build_labels:
        build_labels(args.build_labels, args.out)
        return 0
    result = score(read_labels(args.labels), args.show)
    return 0 if result["precision"] >= 0.99 and result["recall"] >= 0.90 else 1


if __name__ == "__main__":
    sys.exit(main())
