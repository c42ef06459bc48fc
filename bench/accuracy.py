"""Detection and extraction quality against a labelled evaluation set.

    python bench/accuracy.py ../shared/data/eval-dev [--misses 40] [--json out.json]
    python bench/accuracy.py --labels bench/labels/x.jsonl [--labels more.jsonl] [--shared ../shared/data]
    python bench/accuracy.py --reviews labels.jsonl   # a 'procurewatch review-export' file

DIR holds `docs/` (one notice per file) and `labels.jsonl` (see eval-dev/README.md). A label file
given with --labels names its notices by `path` (relative to --shared) and `locator` (the record's
`source.locator`, "" for a one-notice file) instead of `file`, and may carry `family` and `role`
(primary | component | null); each referenced file is extracted once. Both forms can be combined.
The script runs the same pipeline as `procurewatch extract` and prints:
surveillance precision/recall/F1 (all labels, confidence != low, random stratum, per language,
Chinese vs OCDS), every figure per source family (file-name prefix up to the number: cn-tel,
ted-eu ...: precision, recall, false-positive rate, F1, role accuracy, field accuracy) with the
worst family named, precision by score band (to choose --min-score), per-category P/R/F1 and
macro-F1 over categories with >= 3 examples, exact-match accuracy of buyer, supplier set, amount
(within 0.5 %, same currency), country, province, city and notice type, the same figures for a
plain keyword baseline, and every miss with the evidence used.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procurewatch.model import SkippedInput, to_record
from procurewatch.pipeline import extract

BASELINE_TERMS = ("视频监控", "监控", "摄像", "人脸", "雪亮", "天网", "卡口", "公安")
FIELDS = ("buyer", "suppliers", "amount", "country", "province", "city", "notice_type")
CHINESE_ONLY_FIELDS = {"province", "city"}  # labelled for Chinese notices only
MIN_CATEGORY_SUPPORT = 3
SCORE_BANDS = ((0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.0001))
DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
_FAMILY = re.compile(r"^(.*?)-?\d")


@dataclass
class Case:
    file: str  # file name in docs/, or "path#locator" for a notice named by a label file
    label: dict[str, Any]
    record: dict[str, Any] | None
    error: str | None = None

    @property
    def family(self) -> str:
        """chinese | ocds | other: the two corpora the first figures compare."""
        if self.file.startswith("ocds-") or str(self.label.get("family", "")).startswith("ocds"):
            return "ocds"
        return "chinese" if str(self.label.get("lang", "")).startswith("zh") else "other"

    @property
    def source_family(self) -> str:
        """The label's `family`, else the file name's prefix up to its number (cn-tel-0004.json → cn-tel)."""
        if self.label.get("family"):
            return str(self.label["family"])
        name = Path(self.file.split("#", 1)[0]).name
        match = _FAMILY.match(name)
        return match.group(1) if match and match.group(1) else Path(name).stem


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if p != p or r != r or p + r == 0:  # NaN or zero
            return 0.0 if (self.tp + self.fp + self.fn) else float("nan")
        return 2 * p * r / (p + r)

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class FieldScore:
    hits: int = 0
    total: int = 0
    misses: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.hits / self.total if self.total else float("nan")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def load_labelled_notices(label_files: list[Path], shared: Path) -> list[Case]:
    """Cases from label files naming notices by `path` (under `shared`) and `locator`.

    Every referenced file is extracted once; its records are then picked by locator."""
    labels = [label for path in label_files for label in read_jsonl(path)]
    wanted: dict[str, set[str]] = defaultdict(set)
    for label in labels:
        wanted[label["path"]].add(str(label.get("locator") or ""))
    records: dict[tuple[str, str], dict[str, Any]] = {}
    errors: dict[tuple[str, str], str] = {}
    for rel, locators in wanted.items():
        for item in extract([shared / rel]):
            key = (rel, str(item.locator or ""))
            if key[1] not in locators:
                continue
            if isinstance(item, SkippedInput):
                errors[key] = item.reason
            else:
                records.setdefault(key, to_record(item))
        for locator in locators:
            if (rel, locator) not in records:
                errors.setdefault((rel, locator), f"no notice at locator {locator!r} in {shared / rel}")
    cases = []
    for label in labels:
        key = (label["path"], str(label.get("locator") or ""))
        cases.append(Case(f"{key[0]}#{key[1]}", label, records.get(key), errors.get(key)))
    return cases


def load_cases(directory: Path) -> list[Case]:
    labels = read_jsonl(directory / "labels.jsonl")
    records: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    docs = directory / "docs"
    for item in extract([docs / label["file"] for label in labels]):
        if isinstance(item, SkippedInput):
            errors[Path(item.path).name] = item.reason
            continue
        name = Path(item.path).name
        records.setdefault(name, to_record(item))  # one notice per file; keep the first
    return [Case(lb["file"], lb, records.get(lb["file"]), errors.get(lb["file"])) for lb in labels]


def load_review_cases(labels_file: Path) -> list[Case]:
    """Cases from `procurewatch review-export` (or any labels with `path` + `locator` of a notice's
    source): each source file (an archive for "archive.zip!member") is read again; a relative path
    from the current folder."""
    labels = [json.loads(line) for line in labels_file.read_text("utf-8").splitlines() if line.strip()]
    records: dict[tuple[str, str], dict[str, Any]] = {}
    errors: dict[str, str] = {}
    paths = sorted({lb["path"] for lb in labels})
    files = sorted({Path(p.split("!", 1)[0]) for p in paths})
    for item in extract([f for f in files if f.exists()]):
        if isinstance(item, SkippedInput):
            errors[item.path] = item.reason
        else:
            records.setdefault((str(item.path), item.locator), to_record(item))
    missing = {p: "no such file" for p in paths if not Path(p.split("!", 1)[0]).exists()}
    return [
        Case(
            f"{lb['path']}#{lb['locator']}",
            lb,
            records.get((lb["path"], lb["locator"])),
            errors.get(lb["path"]) or missing.get(lb["path"]) or "no notice at this locator",
        )
        for lb in labels
    ]


def norm_text(value: str | None) -> str | None:
    if value is None:
        return None
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold() or None


def predicted(case: Case, name: str) -> Any:
    r = case.record
    if r is None:
        return None
    place = r.get("place") or {}
    match name:
        case "buyer":
            return norm_text((r.get("buyer") or {}).get("name"))
        case "suppliers":
            return sorted({norm_text(s["name"]) for s in r.get("suppliers") or [] if s.get("name")})
        case "amount":
            return r.get("amount")
        case "country" | "province" | "city":
            return place.get(name)
        case "notice_type":
            return r.get("notice_type")
    raise KeyError(name)


def expected(case: Case, name: str) -> Any:
    lb = case.label
    match name:
        case "buyer":
            return norm_text(lb.get("buyer"))
        case "suppliers":
            return sorted({norm_text(s) for s in lb.get("suppliers") or []})
        case _:
            return lb.get(name)


def same(name: str, want: Any, got: Any) -> bool:
    if name == "amount":
        if want is None or got is None:
            return want is None and got is None
        if (want.get("currency") or "").upper() != (got.get("currency") or "").upper():
            return False
        w, g = float(want["value"]), float(got["value"])
        return abs(w - g) <= 0.005 * abs(w) if w else abs(g) < 0.005
    if name == "notice_type" and want == "other":
        # eval labels fold amendment/cancellation into "other"
        return got in ("other", "amendment", "cancellation")
    return want == got


def score_fields(cases: Iterable[Case]) -> dict[str, FieldScore]:
    scores = {name: FieldScore() for name in FIELDS}
    for case in cases:
        for name in FIELDS:
            if name in CHINESE_ONLY_FIELDS and case.label.get("country") != "CN":
                continue
            want, got = expected(case, name), predicted(case, name)
            s = scores[name]
            s.total += 1
            if same(name, want, got):
                s.hits += 1
            else:
                s.misses.append((case.file, want, got))
    return scores


def model_says(case: Case) -> bool:
    return bool(case.record and case.record["surveillance"]["relevant"])


def model_categories(case: Case) -> set[str]:
    if not case.record or not case.record["surveillance"]["relevant"]:
        return set()
    return {c["id"] for c in case.record["surveillance"]["categories"]}


def baseline_says(case: Case) -> bool:
    title = (case.record or {}).get("title") or ""
    return any(term in title for term in BASELINE_TERMS)


def confusion(cases: Iterable[Case], decide: Callable[[Case], bool]) -> Confusion:
    c = Confusion()
    for case in cases:
        c.add(bool(case.label["surveillance"]), decide(case))
    return c


def category_confusions(cases: list[Case]) -> dict[str, Confusion]:
    result: dict[str, Confusion] = defaultdict(Confusion)
    for case in cases:
        truth = set(case.label.get("categories") or [])
        guess = model_categories(case)
        for cat in truth | guess:
            result[cat].add(cat in truth, cat in guess)
    return dict(result)


def model_role(case: Case) -> str | None:
    return case.record["surveillance"].get("role") if model_says(case) else None


def model_score(case: Case) -> float:
    return float(case.record["surveillance"]["score"]) if case.record else 0.0


@dataclass
class FamilyFigures:
    name: str
    n: int
    detection: Confusion
    role_hits: int
    role_total: int
    field_hits: int
    field_total: int

    @property
    def fp_rate(self) -> float:
        c = self.detection
        return c.fp / (c.fp + c.tn) if c.fp + c.tn else float("nan")

    @property
    def role_accuracy(self) -> float:
        return self.role_hits / self.role_total if self.role_total else float("nan")

    @property
    def field_accuracy(self) -> float:
        return self.field_hits / self.field_total if self.field_total else float("nan")


def family_figures(cases: list[Case]) -> list[FamilyFigures]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        groups[case.source_family].append(case)
    out = []
    for name in sorted(groups):
        group = groups[name]
        with_role = [c for c in group if "role" in c.label and c.label["role"] is not None]
        fields = score_fields(group)
        out.append(
            FamilyFigures(
                name,
                len(group),
                confusion(group, model_says),
                sum(1 for c in with_role if model_role(c) == c.label["role"]),
                len(with_role),
                sum(f.hits for f in fields.values()),
                sum(f.total for f in fields.values()),
            )
        )
    return out


def worst_family(figures: list[FamilyFigures]) -> FamilyFigures | None:
    """The family with the highest false-positive rate; ties go to the lowest F1, then the lowest field
    accuracy.
    """
    ranked = [f for f in figures if f.detection.tp + f.detection.fp + f.detection.fn + f.detection.tn]
    if not ranked:
        return None

    def badness(f: FamilyFigures) -> tuple[float, float, float]:
        fp_rate = f.fp_rate if f.fp_rate == f.fp_rate else 0.0
        f1 = f.detection.f1 if f.detection.f1 == f.detection.f1 else 1.0
        fields = f.field_accuracy if f.field_accuracy == f.field_accuracy else 1.0
        return (fp_rate, -f1, -fields)

    return max(ranked, key=badness)


def print_family_table(figures: list[FamilyFigures]) -> None:
    print(
        f"{'family':<22} {'n':>4} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'rec':>6} "
        f"{'FPrate':>7} {'F1':>6} {'role':>13} {'fields':>17}"
    )
    for f in figures:
        c = f.detection
        role = f"{fmt(f.role_accuracy)} ({f.role_hits}/{f.role_total})" if f.role_total else "n/a"
        fields = f"{fmt(f.field_accuracy)} ({f.field_hits}/{f.field_total})" if f.field_total else "n/a"
        print(
            f"{f.name:<22} {f.n:>4} {c.support:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4} {fmt(c.precision):>6} "
            f"{fmt(c.recall):>6} {fmt(f.fp_rate):>7} {fmt(c.f1):>6} {role:>13} {fields:>17}"
        )


def score_bands(cases: list[Case]) -> list[dict[str, Any]]:
    """Per score band: notices, how many are labelled surveillance, precision; and, from the band's
    lower bound up (what --min-score at that bound keeps), precision and recall."""
    positives = sum(1 for c in cases if c.label["surveillance"])
    rows = []
    for lo, hi in SCORE_BANDS:
        band = [c for c in cases if lo <= model_score(c) < hi]
        kept = [c for c in cases if model_score(c) >= lo]
        true_band = sum(1 for c in band if c.label["surveillance"])
        true_kept = sum(1 for c in kept if c.label["surveillance"])
        rows.append(
            {
                "band": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                "n": len(band),
                "surveillance": true_band,
                "precision": true_band / len(band) if band else float("nan"),
                "min_score": lo,
                "precision_at_min": true_kept / len(kept) if kept else float("nan"),
                "recall_at_min": true_kept / positives if positives else float("nan"),
            }
        )
    return rows


def print_score_bands(rows: list[dict[str, Any]]) -> None:
    print(f"{'score':<9} {'n':>5} {'true':>5} {'prec':>6}   {'--min-score':>11} {'prec':>6} {'rec':>6}")
    for r in rows:
        print(
            f"{r['band']:<9} {r['n']:>5} {r['surveillance']:>5} {fmt(r['precision']):>6}   "
            f"{r['min_score']:>11.1f} {fmt(r['precision_at_min']):>6} {fmt(r['recall_at_min']):>6}"
        )


def fmt(x: float) -> str:
    return "  n/a" if x != x else f"{x:5.3f}"


def print_detection_table(rows: list[tuple[str, Confusion]]) -> None:
    print(
        f"{'subset':<34} {'n':>4} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'rec':>6} {'F1':>6}"
    )
    for name, c in rows:
        n = c.tp + c.fp + c.fn + c.tn
        print(
            f"{name:<34} {n:>4} {c.support:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4} "
            f"{fmt(c.precision):>6} {fmt(c.recall):>6} {fmt(c.f1):>6}"
        )


def evidence_summary(case: Case) -> str:
    if not case.record:
        return f"(no record: {case.error})"
    parts = []
    for cat in case.record["surveillance"]["categories"]:
        texts = ", ".join(f"{e['field']}:{e['text']}" for e in cat["evidence"][:4])
        parts.append(f"{cat['id']}[{texts}]")
    return f"score={case.record['surveillance']['score']} " + ("; ".join(parts) or "no evidence")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, nargs="?", help="evaluation folder with docs/ and labels.jsonl")
    ap.add_argument(
        "--labels",
        type=Path,
        action="append",
        default=[],
        help="a JSONL label file naming notices by path and locator (repeatable)",
    )
    ap.add_argument(
        "--shared", type=Path, default=DEFAULT_SHARED, help="folder the label files' paths are relative to"
    )
    ap.add_argument("--reviews", type=Path, help="also score against a 'procurewatch review-export' file")
    ap.add_argument("--misses", type=int, default=1000, help="how many misses to list per section")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    if args.dir is None and not args.labels and args.reviews is None:
        ap.error("give an evaluation folder, --labels FILE, --reviews FILE, or several")
    if args.reviews and not args.reviews.is_file():
        print(f"error: {args.reviews} not found", file=sys.stderr)
        return 2
    if args.dir is not None and not (args.dir / "labels.jsonl").is_file():
        print(f"error: {args.dir}/labels.jsonl not found", file=sys.stderr)
        return 2
    for path in args.labels:
        if not path.is_file():
            print(f"error: label file {path} not found", file=sys.stderr)
            return 2

    started = time.perf_counter()
    cases = load_cases(args.dir) if args.dir is not None else []
    if args.labels:
        cases += load_labelled_notices(args.labels, args.shared)
    cases += load_review_cases(args.reviews) if args.reviews else []
    seconds = time.perf_counter() - started
    unread = [c for c in cases if c.record is None]
    print(
        f"{len(cases)} labelled files, {len(cases) - len(unread)} read, {len(unread)} unread, {seconds:.1f} s"
    )
    for c in unread:
        print(f"  unread {c.file}: {c.error}")

    print("\n## Surveillance detection")
    rows = [
        ("model: all", confusion(cases, model_says)),
        # what headline figures count: surveillance whose role is not "component" (report --purchase primary)
        (
            "model: headline (primary)",
            confusion(cases, lambda c: model_says(c) and model_role(c) != "component"),
        ),
        (
            "model: confidence != low",
            confusion([c for c in cases if c.label.get("confidence") != "low"], model_says),
        ),
        (
            "model: stratum random",
            confusion([c for c in cases if c.label.get("stratum") == "random"], model_says),
        ),
        ("model: chinese", confusion([c for c in cases if c.family == "chinese"], model_says)),
        ("model: ocds", confusion([c for c in cases if c.family == "ocds"], model_says)),
        ("model: other", confusion([c for c in cases if c.family == "other"], model_says)),
    ]
    for lang in sorted({c.label.get("lang") or "?" for c in cases}):
        subset = [c for c in cases if (c.label.get("lang") or "?") == lang]
        rows.append((f"model: lang={lang}", confusion(subset, model_says)))
    rows += [
        ("baseline (title keywords): all", confusion(cases, baseline_says)),
        ("baseline: chinese", confusion([c for c in cases if c.family == "chinese"], baseline_says)),
        ("baseline: ocds", confusion([c for c in cases if c.family == "ocds"], baseline_says)),
    ]
    print_detection_table(rows)

    print(
        "\n## Per source family (FPrate = FP / labelled negatives; role where labelled; fields all together)"
    )
    families_fig = family_figures(cases)
    print_family_table(families_fig)
    worst = worst_family(families_fig)
    if worst is not None:
        print(
            f"worst family (highest FP rate, then lowest F1, then lowest field accuracy): {worst.name} "
            f"(FP rate {fmt(worst.fp_rate).strip()}, F1 {fmt(worst.detection.f1).strip()}, "
            f"fields {fmt(worst.field_accuracy).strip()})"
        )
    role_cases = [c for c in cases if c.label.get("role") is not None]
    if role_cases:
        pairs = Counter((c.label["role"], model_role(c)) for c in role_cases)
        print(
            "role (label → model): "
            + ", ".join(f"{a}→{b}: {n}" for (a, b), n in sorted(pairs.items(), key=str))
        )

    print("\n## Precision by score band (what --min-score keeps, from each band's lower bound up)")
    bands = score_bands(cases)
    print_score_bands(bands)

    print("\n## Categories (model; a category counts only on notices the model calls surveillance)")
    cats = category_confusions(cases)
    print_detection_table(sorted(cats.items(), key=lambda kv: (-kv[1].support, kv[0])))
    eligible = [c.f1 for c in cats.values() if c.support >= MIN_CATEGORY_SUPPORT]
    macro = sum(eligible) / len(eligible) if eligible else float("nan")
    print(f"macro-F1 over {len(eligible)} categories with >= {MIN_CATEGORY_SUPPORT} examples: {fmt(macro)}")

    print(
        "\n## Extraction (exact match; amount within 0.5 % and same currency; "
        "province/city on Chinese notices)"
    )
    families = {
        "all": cases,
        "chinese": [c for c in cases if c.family == "chinese"],
        "ocds": [c for c in cases if c.family == "ocds"],
        "other": [c for c in cases if c.family == "other"],
    }
    field_scores = {name: score_fields(group) for name, group in families.items()}
    print(f"{'field':<12}" + "".join(f"{name:>18}" for name in families))
    for f_name in FIELDS:
        cells = []
        for fam in families:
            s = field_scores[fam][f_name]
            cells.append(f"{fmt(s.accuracy)} ({s.hits}/{s.total})" if s.total else "n/a")
        print(f"{f_name:<12}" + "".join(f"{cell:>18}" for cell in cells))

    print("\n## Misses: surveillance")
    shown = 0
    for case in cases:
        truth, guess = bool(case.label["surveillance"]), model_says(case)
        if truth != guess and shown < args.misses:
            shown += 1
            kind = "FN" if truth else "FP"
            title = ((case.record or {}).get("title") or "")[:70]
            print(f"  {kind} {case.file} [{case.label.get('confidence')}] {title}")
            print(f"      label: {(case.label.get('basis') or '')[:160]}")
            print(f"      model: {evidence_summary(case)[:300]}")

    print("\n## Misses: categories (on notices both call surveillance)")
    shown = 0
    for case in cases:
        truth = set(case.label.get("categories") or [])
        guess = model_categories(case)
        if case.label["surveillance"] and model_says(case) and truth != guess and shown < args.misses:
            shown += 1
            print(f"  {case.file}: label {sorted(truth)} model {sorted(guess)}")

    print("\n## Misses: fields")
    for f_name in FIELDS:
        misses = field_scores["all"][f_name].misses
        if misses:
            print(f"  {f_name} ({len(misses)}):")
            for file, want, got in misses[: args.misses]:
                print(f"      {file}: want {want!r} got {got!r}")

    if args.json:
        figures = {
            "detection": {
                name: {"precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support}
                for name, c in rows
            },
            "categories": {
                k: {"precision": v.precision, "recall": v.recall, "f1": v.f1, "support": v.support}
                for k, v in cats.items()
            },
            "category_macro_f1": macro,
            "families": {
                f.name: {
                    "n": f.n,
                    "precision": f.detection.precision,
                    "recall": f.detection.recall,
                    "fp_rate": f.fp_rate,
                    "f1": f.detection.f1,
                    "role_accuracy": f.role_accuracy,
                    "field_accuracy": f.field_accuracy,
                }
                for f in families_fig
            },
            "worst_family": worst.name if worst else None,
            "score_bands": bands,
            "fields": {fam: {k: v.accuracy for k, v in sc.items()} for fam, sc in field_scores.items()},
        }
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), "utf-8")
    counts = Counter("read" if c.record else "unread" for c in cases)
    print(f"\n{counts['read']} read, {counts['unread']} unread")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
